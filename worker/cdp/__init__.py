"""CDP edge: one client per API (aiohttp for Stream, httpx for REST and Batch; HTTP only here),
status codes and transport failures turned into
the worker's error tree, Stream message rendering and the per-key Stream progress model.

* :mod:`worker.cdp.stream`: Stream API client (browser/create, event/create), one aiohttp pool.
* :mod:`worker.cdp.errors`: every CDP failure as an error whose class decides the record's fate.
* :mod:`worker.cdp.message`: compact JSON with exact decimal money, URL-encoded.  [pure]
* :mod:`worker.cdp.progress`: browser, session and accepted steps per key.  [pure]
* :mod:`worker.cdp.orders_probe`: REST order look-up used before repeating an order-creating step.
"""
