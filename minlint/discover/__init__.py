"""Stage 10, discover: the candidate disclosure paths a pack should name.

``minlint discover PATHS``: routes and handler methods of known frameworks
(Django/DRF views and viewsets, Flask/FastAPI routes, Pyramid ``@view_config``
and Cornice services, servlet classes' ``on_GET``...) and outbound channels
(HTTP clients, mail, file/S3 exports, queues) that hand out fields of user
records, ranked, with the fields seen, and a drafted v2 pack
(``--write-pack``). Built on the facts and project stages; it never imports
or runs the code it reads.
"""

from minlint.discover.draft import draft_pack
from minlint.discover.model import Candidate
from minlint.discover.render import command, render
from minlint.discover.scan import discover

__all__ = ["Candidate", "command", "discover", "draft_pack", "render"]
