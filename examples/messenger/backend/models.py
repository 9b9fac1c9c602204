from dataclasses import dataclass, field


@dataclass
class User:
    id: int
    username: str
    email: str
    phone_number: str
    last_ip: str
    contacts: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


class UserRepository:
    def by_id(self, user_id: int) -> User:
        raise NotImplementedError


users = UserRepository()
