"""create_app(): the Litestar application with its plugins, stores, middleware and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from redis.asyncio import BlockingConnectionPool, Redis

from app.accounts.dependencies import UsherSessionConfig, provide_actor, provide_user
from app.accounts.manage import account_manage_routes
from app.accounts.pages import account_page_routes
from app.api_schema import BEARER_COMPONENTS
from app.checkin.api import checkin_api_routes
from app.checkin.pages import checkin_page_routes
from app.config import Settings, checked_settings
from app.db import create_engine, create_sessionmaker, warm_pool
from app.errors import DomainError
from app.events.api import event_api_routes
from app.events.manage import organizer_event_routes
from app.events.pages import public_event_routes
from app.live import LiveHub
from app.mail.pages import dev_mail_routes
from app.observability import RequestIdMiddleware, configure_logging
from app.ops.probes import ops_routes
from app.orders.api import order_api_routes
from app.orders.manage import order_manage_routes
from app.orders.pages import order_page_routes
from app.orders.payments.pages import payment_routes
from app.orders.payments.webhooks import webhook_routes
from app.queue import create_queue
from app.seating.api import seating_api_routes
from app.seating.manage import seating_manage_routes
from app.seating.pages import seating_page_routes
from app.seating.snapshots import SnapshotCache
from app.security_headers import SecurityHeaders
from app.sessions import FailSoftRedisStore
from app.templating import environment
from app.tickets.api import ticket_api_routes
from app.venues.manage import venue_routes
from app.viewers import SharedReading, ViewerBudget
from app.web import handle_domain_error, handle_http_exception, handle_unexpected, provide_db, provide_settings

MAX_BODY_BYTES = 8 * 1024 * 1024
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = checked_settings(settings)
    configure_logging(settings.log_level)
    # Requests beyond the pool wait for a connection (a burst must queue, not fail with 500).
    redis = Redis.from_pool(BlockingConnectionPool.from_url(settings.redis_url, max_connections=64, timeout=10))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout_seconds
        )
        if not settings.is_development:
            await warm_pool(engine, settings.db_pool_size)
        queue = create_queue(settings)
        app.state.engine, app.state.redis, app.state.queue = engine, redis, queue
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.hub = hub = LiveHub(settings.redis_url)
        app.state.viewers = ViewerBudget(
            per_process=settings.live_streams_per_process, per_client=settings.live_streams_per_client
        )
        app.state.door_counts = SharedReading()
        app.state.snapshots = SnapshotCache(redis, app.state.sessionmaker, settings.secret_key)
        try:
            yield
        finally:
            # Shutdown must finish even when a server is already gone.
            for close in (hub.close, queue.disconnect, redis.aclose, engine.dispose):
                try:
                    await close()
                except Exception:
                    log.warning("error while closing %s", close.__qualname__, exc_info=True)

    route_handlers = [
        *ops_routes,
        *account_page_routes,
        *account_manage_routes,
        *public_event_routes,
        *organizer_event_routes,
        *venue_routes,
        *event_api_routes,
        *seating_page_routes,
        *seating_manage_routes,
        *order_page_routes,
        *order_manage_routes,
        *order_api_routes,
        *payment_routes,
        *webhook_routes,
        *ticket_api_routes,
        *checkin_page_routes,
        *checkin_api_routes,
        *seating_api_routes,
        create_static_files_router(
            path="/static", directories=[settings.static_dir], name="static", include_in_schema=False
        ),
    ]
    if settings.is_development:
        route_handlers.extend(dev_mail_routes)

    app = Litestar(
        route_handlers=route_handlers,
        lifespan=[lifespan],
        dependencies={
            "db": Provide(provide_db),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "actor": Provide(provide_actor),
            "user": Provide(provide_user),
        },
        plugins=[HTMXPlugin()],
        before_send=[SecurityHeaders(settings)],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment())),
        stores={"sessions": FailSoftRedisStore(redis, namespace="usher:sessions")},
        middleware=[
            RequestIdMiddleware,
            UsherSessionConfig(
                # The JSON API, live streams and probes never use the cookie session.
                exclude=["/api/", "/webhooks/", r"/events/[^/]+/live$", "/healthz", "/readyz", "/static/"],
                store="sessions",
                max_age=settings.session_max_age,
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
                key="usher_session",
                renew_on_access=True,
            ).middleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="usher_csrf",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            # The JSON API authenticates with bearer tokens or X-Cart headers, never with ambient cookies.
            exclude=["/api/", "/webhooks/"],
        ),
        compression_config=CompressionConfig(
            backend="brotli",
            brotli_gzip_fallback=True,
            minimum_size=1024,
            brotli_quality=5,
            # Event streams must flush each message, not compress in blocks; hold answers are tiny and hot.
            exclude=[r"/events/[^/]+/live$", r"/checkins/live$", r"/api/v1/events/[^/]+/holds"],
        ),
        exception_handlers={
            DomainError: handle_domain_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
        openapi_config=OpenAPIConfig(
            title="Usher API",
            version="1.0.0",
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=BEARER_COMPONENTS,
        ),
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,  # observability.configure_logging owns logging (JSON lines)
    )
    app.state.settings = settings
    return app
