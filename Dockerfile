# Rehearse in a container: `docker build -t rehearse .` then
#   docker run --rm -v "$PWD/plans:/plans" rehearse run /plans --env staging
# The build stage compiles on the official Swift image; the runtime stage is a slim Debian with
# only what the binary needs (CA certificates for TLS), run as a non-root user.
ARG SWIFT_VERSION=6.3
ARG DEBIAN_RELEASE=bookworm

FROM swift:${SWIFT_VERSION}-${DEBIAN_RELEASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libyaml-dev zlib1g-dev libbrotli-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifest first, so the dependency resolution layer is reused when only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY . .
# .git is not copied: pass the commit for `rehearse --version`.
ARG REHEARSE_COMMIT=unknown
RUN REHEARSE_COMMIT="$REHEARSE_COMMIT" scripts/install.sh --prefix /opt/rehearse

FROM debian:${DEBIAN_RELEASE}-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/rehearse rehearse
COPY --from=build /opt/rehearse/ /usr/local/
USER rehearse
VOLUME ["/plans"]
WORKDIR /plans
ENTRYPOINT ["rehearse"]
CMD ["--help"]
