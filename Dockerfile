# Production image for the app and the worker (compose.yaml runs both from it).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Production refuses unsafe settings (no Stripe keys, a weak SECRET_KEY) at start; development must be asked for.
ENV USHER_ENV=production
WORKDIR /srv/usher
COPY pyproject.toml constraints.txt README.md ./
COPY app app
RUN pip install -c constraints.txt .
COPY . .
RUN useradd --system --home /srv/usher usher && chown -R usher /srv/usher
USER usher
EXPOSE 8000
CMD ["sh", "-c", "python -m app.cli migrate && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --no-access-log --log-config app/logging.json --no-proxy-headers --timeout-graceful-shutdown 10"]
