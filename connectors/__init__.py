"""I/O adapters, one package each: province, portal, payment, identity, and the mock national portal."""

__all__: list[str] = []
