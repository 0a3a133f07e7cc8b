from django_stubs_ext import StrPromise


class DeliberationError(Exception):
    """A refused write, with a stable machine code and a message for the user in their language.

    Services raise it after authorising and validating; views turn it into a form error or a
    message (400/403), the API into ``{"error": {"code", "message", "fields"}}``.
    """

    def __init__(self, code: str, message: str | StrPromise, *, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def headers(self) -> dict[str, str]:
        """Headers the HTTP answer to this refusal carries (``Retry-After`` for a throttle)."""
        return {}

    def add_headers(self, response):
        for name, value in self.headers.items():
            response[name] = value
        return response


class PermissionRefused(DeliberationError):
    def __init__(self, code: str, message: str | StrPromise):
        super().__init__(code, message, status=403)
