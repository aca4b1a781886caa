# One image for every ecohost process; each Kubernetes Deployment picks its command:
#   python -m gateway | python -m services.engagement | python -m services.evaluation
#   | python -m services.archive | ecohost migrate <service>
# Build: docker build -t ecohost:0.1.0 .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Stage 1: build the virtualenv. Nothing from here but /opt/ecohost reaches the image,
# so pip, wheels and build caches stay out of the runtime layer.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/ecohost
WORKDIR /src
# Metadata first: the dependency layer is reused while only the code changes.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /opt/ecohost/bin/pip install --quiet -r /tmp/requirements.txt
COPY contracts contracts
COPY kit kit
COPY services services
COPY gateway gateway
COPY cli cli
# Not editable: the code lives in site-packages, so the root filesystem can be read-only.
# Bytecode is compiled now because the running container cannot write it.
RUN /opt/ecohost/bin/pip install --quiet --no-deps . \
 && /opt/ecohost/bin/python -m compileall -q /opt/ecohost

# Stage 2: the runtime, as an unprivileged user with a fixed uid (runAsNonRoot checks it).
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 ecohost \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin ecohost \
 && mkdir -p /app && chown 10001:10001 /app
COPY --from=build /opt/ecohost /opt/ecohost
ENV PATH=/opt/ecohost/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
# 8000: the gateway's HTTP; 9090: a service's /health/* and /metrics.
EXPOSE 8000 9090
CMD ["python", "-m", "gateway"]
