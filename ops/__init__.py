"""Operations helpers: the Grafana dashboard generator and image build scripts."""
