# Trợ lý Chi bộ in a container: used by docker-compose.yml (README, "PostgreSQL").
FROM python:3.11-slim

# pg_dump and pg_restore, for `chibo backup` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /srv/chibo chibo

WORKDIR /srv/chibo
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY chibo_devtools ./chibo_devtools
RUN pip install --no-cache-dir . && rm -rf bot chibo_devtools

USER chibo
ENTRYPOINT ["chibo"]
CMD ["run", "--config", "/srv/chibo/config.toml"]
