"""Settings read once from the environment; every variable is documented in README's configuration table."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(var_dir: Path, environment: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (development only)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if environment == "production":
        raise RuntimeError("SECRET_KEY must be set in production (a long random string).")
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    secret_key: str
    environment: str = "development"
    base_url: str = "http://127.0.0.1:8000"
    var_dir: Path = PROJECT_ROOT / "var"
    mail_dir: Path = PROJECT_ROOT / "var" / "mail"
    mail_from: str = "Usher <tickets@usher.localhost>"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    session_max_age: int = 14 * 24 * 3600
    login_attempts: int = 5
    login_window_seconds: int = 900
    cover_max_bytes: int = 5 * 1024 * 1024
    password_reset_minutes: int = 60
    register_rate_per_ip: int = 20
    register_rate_per_email: int = 5
    password_reset_rate_per_ip: int = 20
    password_reset_rate_per_email: int = 3
    verification_mail_rate_per_user: int = 3
    account_rate_window_seconds: int = 3600
    log_level: str = "INFO"
    secure_cookies: bool = False
    queue_name: str = "usher"
    hold_ttl_seconds: int = 600
    max_seats_per_cart: int = 10
    hold_rate_per_cart: int = 30
    hold_rate_per_ip: int = 600
    hold_rate_window_seconds: int = 10
    db_pool_size: int = 20
    order_payment_minutes: int = 15
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # only to point the SDK at a fake Stripe (localstripe) in tests

    @property
    def payment_provider(self) -> str:
        """Stripe when its keys are set; otherwise the built-in test provider (demo, development)."""
        return "stripe" if self.stripe_secret_key else "test"

    @property
    def is_development(self) -> bool:
        return self.environment in {"development", "test"}

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; DATABASE_URL/REDIS_URL unset means the embedded servers in var/."""
        var_dir = var_dir_from_env()
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        if not database_url or not redis_url:
            from app.embedded import ensure_embedded_services

            embedded = ensure_embedded_services(var_dir)
            database_url = database_url or embedded.database_url
            redis_url = redis_url or embedded.redis_url
        environment = os.environ.get("USHER_ENV", "development")
        base_url = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        return cls(
            database_url=normalize_database_url(database_url),
            redis_url=redis_url,
            secret_key=_secret_key(var_dir, environment),
            environment=environment,
            base_url=base_url,
            var_dir=var_dir,
            mail_dir=Path(os.environ.get("MAIL_DIR") or var_dir / "mail"),
            mail_from=os.environ.get("MAIL_FROM", cls.mail_from),
            smtp_host=os.environ.get("SMTP_HOST", ""),
            smtp_port=_env_int("SMTP_PORT", 587),
            smtp_username=os.environ.get("SMTP_USERNAME", ""),
            smtp_password=os.environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_env_bool("SMTP_STARTTLS", True),
            session_max_age=_env_int("SESSION_MAX_AGE", cls.session_max_age),
            login_attempts=_env_int("LOGIN_RATE_LIMIT", cls.login_attempts),
            login_window_seconds=_env_int("LOGIN_RATE_WINDOW_SECONDS", cls.login_window_seconds),
            cover_max_bytes=_env_int("COVER_MAX_BYTES", cls.cover_max_bytes),
            password_reset_minutes=_env_int("PASSWORD_RESET_MINUTES", cls.password_reset_minutes),
            register_rate_per_ip=_env_int("REGISTER_RATE_PER_IP", cls.register_rate_per_ip),
            register_rate_per_email=_env_int("REGISTER_RATE_PER_EMAIL", cls.register_rate_per_email),
            password_reset_rate_per_ip=_env_int("PASSWORD_RESET_RATE_PER_IP", cls.password_reset_rate_per_ip),
            password_reset_rate_per_email=_env_int("PASSWORD_RESET_RATE_PER_EMAIL", cls.password_reset_rate_per_email),
            verification_mail_rate_per_user=_env_int(
                "VERIFICATION_MAIL_RATE_PER_USER", cls.verification_mail_rate_per_user
            ),
            account_rate_window_seconds=_env_int("ACCOUNT_RATE_WINDOW_SECONDS", cls.account_rate_window_seconds),
            log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
            secure_cookies=_env_bool("SECURE_COOKIES", base_url.startswith("https://")),
            queue_name=os.environ.get("QUEUE_NAME", "usher"),
            hold_ttl_seconds=_env_int("HOLD_TTL_SECONDS", cls.hold_ttl_seconds),
            max_seats_per_cart=_env_int("MAX_SEATS_PER_CART", cls.max_seats_per_cart),
            hold_rate_per_cart=_env_int("HOLD_RATE_PER_CART", cls.hold_rate_per_cart),
            hold_rate_per_ip=_env_int("HOLD_RATE_PER_IP", cls.hold_rate_per_ip),
            hold_rate_window_seconds=_env_int("HOLD_RATE_WINDOW_SECONDS", cls.hold_rate_window_seconds),
            db_pool_size=_env_int("DB_POOL_SIZE", cls.db_pool_size),
            order_payment_minutes=_env_int("ORDER_PAYMENT_MINUTES", cls.order_payment_minutes),
            stripe_secret_key=os.environ.get("STRIPE_SECRET_KEY", ""),
            stripe_publishable_key=os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
            stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_api_base=os.environ.get("STRIPE_API_BASE", ""),
        )


def var_dir_from_env() -> Path:
    return Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var")


def normalize_database_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")
