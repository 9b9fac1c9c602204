"""The outbound channel to the authorities' disclosure portal."""

import json
import urllib.request


def disclose(payload) -> None:
    body = json.dumps(payload).encode()
    urllib.request.urlopen("https://portal.invalid/disclosures", data=body)  # never reached in the example


def send_to_authority(authority: str, payload) -> None:
    disclose({"authority": authority, "data": payload})
