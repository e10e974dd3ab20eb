"""Strict local emulator of Sitecore CDP (Stream, REST v2.1, Batch); see sandbox/README.md."""
