"""Payload builders shared by the handlers."""

from backend.models import User


def minimal(user: User) -> dict[str, str]:
    return {"ip": user.last_ip, "phone": user.phone_number}


def with_profile(user: User) -> dict[str, str]:
    payload = minimal(user)
    payload["email"] = user.email
    return payload
