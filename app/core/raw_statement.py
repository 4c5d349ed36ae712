"""An SQLAlchemy statement as asyncpg runs it, compiled once: the SQL with `$n` and
its parameters' names in order. The fast reads (app/handlers/fast/) run the app's own
statements this way, and so does `bench run`'s raw-SQL baseline."""

from typing import Any

from sqlalchemy import ClauseElement, make_url
from sqlalchemy.sql.compiler import SQLCompiler

_ASYNCPG = make_url("postgresql+asyncpg://").get_dialect()()


class RawStatement:
    """A statement as asyncpg takes it: SQL with $n and the parameter names in order."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_ASYNCPG)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.names = list(compiled.positiontup or [])

    def args(self, **values: Any) -> list[Any]:
        return [values[name] for name in self.names]
