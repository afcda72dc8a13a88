"""The event contracts: pydantic v2 models, the CloudEvents envelope, code validators. No I/O library."""

__all__: list[str] = []
