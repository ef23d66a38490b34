"""Users and their roles."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets.workflow import Role
from hotline.timeutil import UTCDateTime, utcnow


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    full_name: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Raised by disabling, a password change or reset and "log out everywhere": every token and
    # session issued before stops working at once, on every worker (they carry the version).
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self):
        return frozenset(Role(r.role) for r in self.role_rows)

    @roles.setter
    def roles(self, roles):
        self.role_rows = [UserRole(role=str(Role(r))) for r in sorted(set(roles))]

    def has_role(self, *roles):
        return bool(self.roles & set(roles))

    @property
    def is_centre_staff(self):
        """Anyone but a pure department user sees the whole centre's tickets."""
        return bool(self.roles - {Role.DEPARTMENT})

    # Flask-Login: a disabled user's session ends at the next request.
    @property
    def is_active(self):
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return f"{self.id}.{self.token_version}"

    def set_password(self, password):
        """A new password also ends every session and token issued with the old one."""
        self.password_hash = generate_password_hash(password)
        self.token_version = (self.token_version or 0) + 1

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def to_dict(self):
        return {
            "id": self.id,
            "username": self.username,
            "full_name": self.full_name,
            "roles": sorted(self.roles),
            "department_id": self.department_id,
            "active": self.active,
            "must_change_password": self.must_change_password,
        }


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class RevokedToken(db.Model):
    """A token its holder logged out with: refused until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
