"""What ``minlint discover`` finds: candidate disclosure paths, ranked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# handler: a route or handler method of a known framework whose answer carries fields;
# view: a framework class whose handler methods are inherited (DRF list/retrieve), reported at its class line;
# channel: a call that sends fields out of the process (HTTP client, mail, file/S3 export, queue)
Kind = Literal["handler", "view", "channel"]
Framework = Literal["servlet", "django", "drf", "flask", "fastapi", "pyramid", "cornice", "http", "mail", "export",
                    "queue"]


@dataclass(frozen=True)
class Candidate:
    kind: Kind
    framework: Framework
    path: str  # as the user gave it, POSIX separators
    line: int
    module: str  # dotted module name
    qualname: str  # the function ("Servlet.on_GET") or class ("UserViewSet"); for a channel the enclosing function
    fields: tuple[str, ...]  # normalised field names seen in what it hands out, personal data first
    personal: tuple[tuple[str, str], ...]  # (field, personal-data kind) for the fields that look like user data
    record: bool  # hands out a whole record (an ORM object, a serializer of a model, a store row, ...)
    score: float
    callee: str = ""  # channel: the call as written ("requests.post", "self.mailer.send")
    base: str = ""  # view: the framework base class (qualified where imported)
    decorator: str = ""  # handler by decorator: the decorator as written
    why: tuple[str, ...] = field(default=())  # short reasons, for the reader

    @property
    def target(self) -> str:
        """The dotted name of what a pack entry would name."""
        return f"{self.module}.{self.qualname}" if self.module else self.qualname
