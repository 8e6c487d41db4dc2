"""Settings read once from the environment; every variable is documented in README's configuration table."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import NoReturn

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
PAYMENT_PROVIDERS = ("stripe", "test")
MIN_SECRET_KEY_LENGTH = 32
# uvicorn's supervisor gives up on a worker that exits with 3 (its STARTUP_FAILURE) instead of restarting it.
UNSAFE_CONFIGURATION_EXIT_CODE = 3
log = logging.getLogger(__name__)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number; it is {raw!r}.") from None


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip().lower()
    if raw and raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; it is {raw!r}.")
    return raw or default


def _env_networks(name: str) -> tuple[str, ...]:
    """Networks (CIDRs or single addresses) separated by commas or spaces, checked and written as CIDRs."""
    try:
        return tuple(str(ip_network(part, strict=False)) for part in os.environ.get(name, "").replace(",", " ").split())
    except ValueError as exc:
        raise ValueError(
            f"{name} must list networks such as 10.0.0.0/8 or 192.0.2.7, separated by commas: {exc}"
        ) from None


def _secret_key(var_dir: Path, environment: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (development only)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if environment == "production":
        return ""  # refused by checked_settings() with the other production problems
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
    static_dir: Path = PROJECT_ROOT / "static"  # served at /static; the door scanner's release hash reads it
    mail_from: str = "Usher <tickets@usher.localhost>"
    accessibility_contact: str = ""  # the address the accessibility statement gives; empty: MAIL_FROM's
    availability_refresh_seconds: int = 10  # how often an open event page re-reads its places left
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    session_max_age: int = 14 * 24 * 3600
    login_attempts: int = 5
    login_window_seconds: int = 900
    login_rate_per_account: int = 20  # failed logins per e-mail per window, from all networks together
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
    hold_extension_seconds: int = 300  # the one extension a buyer may ask for (WCAG 2.2.1)
    max_seats_per_cart: int = 10
    hold_rate_per_cart: int = 30
    hold_rate_per_ip: int = 600
    hold_rate_window_seconds: int = 10
    # Abuse limits per client (an IPv4 address or IPv6 /64, behind trusted_proxies) and buyer; 0 turns one off.
    trusted_proxies: tuple[str, ...] = ()  # CIDRs
    max_held_per_network: int = 40
    max_held_per_account: int = 20
    max_orders_per_email: int = 10
    checkout_rate_limit: int = 30
    checkout_rate_window_seconds: int = 600
    test_card_rate_limit: int = 20
    test_card_rate_window_seconds: int = 600
    promo_check_rate_limit: int = 60
    promo_failure_limit: int = 20
    promo_rate_window_seconds: int = 900
    seat_list_rate_limit: int = 120
    seat_list_rate_window_seconds: int = 60
    invitation_rate_per_organization: int = 50
    invitation_rate_per_user: int = 20
    invitation_rate_window_seconds: int = 3600
    db_pool_size: int = 20
    db_pool_timeout_seconds: int = 15
    live_streams_per_process: int = 5000  # open SSE streams (seat maps, door dashboards) one app process serves
    live_streams_per_client: int = 50  # of those, from one client (an IPv4 address or an IPv6 /64)
    order_payment_minutes: int = 15
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # only to point the SDK at a fake Stripe (localstripe) in tests
    payments: str = ""  # PAYMENTS: "stripe" or "test"; empty means Stripe when its secret key is set

    @property
    def payment_provider(self) -> str:
        """The provider new orders pay with: PAYMENTS if set, else Stripe when its key is set, else the test
        provider (development, demos)."""
        return self.payments or ("stripe" if self.stripe_secret_key else "test")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def problems_for_production(self) -> list[str]:
        """What makes these settings unsafe for real customers; production refuses to start with any of them."""
        problems = [
            f"{name} is not set: production needs real PostgreSQL and Redis servers (the embedded ones are for "
            "development)."
            for name, value in (("DATABASE_URL", self.database_url), ("REDIS_URL", self.redis_url))
            if not value
        ]
        if not self.secret_key:
            problems.append(
                "SECRET_KEY is not set: set it to a long random string, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, and keep it stable."
            )
        elif len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"SECRET_KEY is {len(self.secret_key)} characters long: use at least {MIN_SECRET_KEY_LENGTH} "
                "random characters."
            )
        if self.payments != "test":  # only a deliberate PAYMENTS=test may run without Stripe
            stripe_keys = {
                "STRIPE_SECRET_KEY": self.stripe_secret_key,
                "STRIPE_PUBLISHABLE_KEY": self.stripe_publishable_key,
                "STRIPE_WEBHOOK_SECRET": self.stripe_webhook_secret,
            }
            if missing := [name for name, value in stripe_keys.items() if not value]:
                problems.append(
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: production takes "
                    "payments through Stripe. For a demo that takes no money, set PAYMENTS=test instead."
                )
        if self.stripe_api_base:
            problems.append(
                f"STRIPE_API_BASE sends Stripe calls to {self.stripe_api_base}: it is only for tests against a "
                "fake Stripe; unset it."
            )
        return problems

    def warnings_for_production(self) -> list[str]:
        """Settings production starts with but an operator should know about."""
        warnings = []
        if self.payment_provider == "test":
            warnings.append("PAYMENTS=test: no real money is taken; every pay page says so.")
        elif self.stripe_secret_key.startswith("sk_test_"):
            warnings.append("STRIPE_SECRET_KEY is a test-mode key: Stripe takes no real money.")
        if not self.base_url.startswith("https://"):
            warnings.append(f"BASE_URL {self.base_url} is not https: cookies are not Secure and HSTS is off.")
        elif not self.secure_cookies:
            warnings.append("SECURE_COOKIES is off: session cookies may travel over plain http.")
        if not self.smtp_host:
            warnings.append(f"SMTP_HOST is not set: e-mails are written to {self.mail_dir}, not sent.")
        return warnings

    @property
    def is_development(self) -> bool:
        return self.environment in {"development", "test"}

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; DATABASE_URL/REDIS_URL unset means the embedded servers in var/."""
        var_dir = var_dir_from_env()
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        environment = _env_choice("USHER_ENV", ENVIRONMENTS, "development")
        # Production never falls back to the embedded servers (problems_for_production names what is missing).
        if (not database_url or not redis_url) and environment != "production":
            from app.embedded import ensure_embedded_services

            embedded = ensure_embedded_services(var_dir)
            database_url = database_url or embedded.database_url
            redis_url = redis_url or embedded.redis_url
        base_url = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        return cls(
            database_url=normalize_database_url(database_url) if database_url else "",
            redis_url=redis_url,
            secret_key=_secret_key(var_dir, environment),
            environment=environment,
            base_url=base_url,
            var_dir=var_dir,
            mail_dir=Path(os.environ.get("MAIL_DIR") or var_dir / "mail"),
            static_dir=Path(os.environ.get("STATIC_DIR") or PROJECT_ROOT / "static"),
            mail_from=os.environ.get("MAIL_FROM", cls.mail_from),
            accessibility_contact=os.environ.get("ACCESSIBILITY_CONTACT", ""),
            availability_refresh_seconds=max(
                1, _env_int("AVAILABILITY_REFRESH_SECONDS", cls.availability_refresh_seconds)
            ),
            smtp_host=os.environ.get("SMTP_HOST", ""),
            smtp_port=_env_int("SMTP_PORT", 587),
            smtp_username=os.environ.get("SMTP_USERNAME", ""),
            smtp_password=os.environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_env_bool("SMTP_STARTTLS", True),
            session_max_age=_env_int("SESSION_MAX_AGE", cls.session_max_age),
            login_attempts=_env_int("LOGIN_RATE_LIMIT", cls.login_attempts),
            login_window_seconds=_env_int("LOGIN_RATE_WINDOW_SECONDS", cls.login_window_seconds),
            login_rate_per_account=_env_int("LOGIN_RATE_PER_ACCOUNT", cls.login_rate_per_account),
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
            hold_extension_seconds=_env_int("HOLD_EXTENSION_SECONDS", cls.hold_extension_seconds),
            max_seats_per_cart=_env_int("MAX_SEATS_PER_CART", cls.max_seats_per_cart),
            hold_rate_per_cart=_env_int("HOLD_RATE_PER_CART", cls.hold_rate_per_cart),
            hold_rate_per_ip=_env_int("HOLD_RATE_PER_IP", cls.hold_rate_per_ip),
            hold_rate_window_seconds=_env_int("HOLD_RATE_WINDOW_SECONDS", cls.hold_rate_window_seconds),
            trusted_proxies=_env_networks("TRUSTED_PROXIES"),
            max_held_per_network=_env_int("MAX_HELD_PER_NETWORK", cls.max_held_per_network),
            max_held_per_account=_env_int("MAX_HELD_PER_ACCOUNT", cls.max_held_per_account),
            max_orders_per_email=_env_int("MAX_ORDERS_PER_EMAIL", cls.max_orders_per_email),
            checkout_rate_limit=_env_int("CHECKOUT_RATE_LIMIT", cls.checkout_rate_limit),
            checkout_rate_window_seconds=_env_int("CHECKOUT_RATE_WINDOW_SECONDS", cls.checkout_rate_window_seconds),
            test_card_rate_limit=_env_int("TEST_CARD_RATE_LIMIT", cls.test_card_rate_limit),
            test_card_rate_window_seconds=_env_int("TEST_CARD_RATE_WINDOW_SECONDS", cls.test_card_rate_window_seconds),
            promo_check_rate_limit=_env_int("PROMO_CHECK_RATE_LIMIT", cls.promo_check_rate_limit),
            promo_failure_limit=_env_int("PROMO_FAILURE_LIMIT", cls.promo_failure_limit),
            promo_rate_window_seconds=_env_int("PROMO_RATE_WINDOW_SECONDS", cls.promo_rate_window_seconds),
            seat_list_rate_limit=_env_int("SEAT_LIST_RATE_LIMIT", cls.seat_list_rate_limit),
            seat_list_rate_window_seconds=_env_int("SEAT_LIST_RATE_WINDOW_SECONDS", cls.seat_list_rate_window_seconds),
            invitation_rate_per_organization=_env_int(
                "INVITATION_RATE_PER_ORGANIZATION", cls.invitation_rate_per_organization
            ),
            invitation_rate_per_user=_env_int("INVITATION_RATE_PER_USER", cls.invitation_rate_per_user),
            invitation_rate_window_seconds=_env_int(
                "INVITATION_RATE_WINDOW_SECONDS", cls.invitation_rate_window_seconds
            ),
            db_pool_size=_env_int("DB_POOL_SIZE", cls.db_pool_size),
            db_pool_timeout_seconds=_env_int("DB_POOL_TIMEOUT_SECONDS", cls.db_pool_timeout_seconds),
            live_streams_per_process=_env_int("LIVE_STREAMS_PER_PROCESS", cls.live_streams_per_process),
            live_streams_per_client=_env_int("LIVE_STREAMS_PER_CLIENT", cls.live_streams_per_client),
            order_payment_minutes=_env_int("ORDER_PAYMENT_MINUTES", cls.order_payment_minutes),
            stripe_secret_key=os.environ.get("STRIPE_SECRET_KEY", ""),
            stripe_publishable_key=os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
            stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_api_base=os.environ.get("STRIPE_API_BASE", ""),
            payments=_env_choice("PAYMENTS", PAYMENT_PROVIDERS, ""),
        )


def var_dir_from_env() -> Path:
    return Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var")


def normalize_database_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")


def checked_settings(settings: Settings | None = None) -> Settings:
    """The settings an entry point (app, worker, CLI) starts with, read from the environment unless given. A wrong
    setting, or an unsafe one in production, ends the process: every reason on stderr and a non-zero exit code."""
    try:
        settings = settings or Settings.from_env()
    except ValueError as exc:
        _refuse([str(exc)])
    if settings.is_production:
        if problems := settings.problems_for_production():
            _refuse(problems)
        for warning in settings.warnings_for_production():
            log.warning("production setting: %s", warning)
    return settings


def _refuse(problems: list[str]) -> NoReturn:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    print(f"Usher will not start with this configuration:\n{lines}", file=sys.stderr, flush=True)
    raise SystemExit(UNSAFE_CONFIGURATION_EXIT_CODE)
