# syntax=docker/dockerfile:1
# hookd as a small static image: build with the Go toolchain go.mod names,
# run the static binary alone on distroless (CA certificates, tzdata, a
# non-root user; no shell). Build: docker build --build-arg VERSION=1.2.3 -t hookd .

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that a change of source reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/hookd/hookd.Version=${VERSION}" \
      -o /out/hookd ./cmd/hookd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hookd /hookd
# The data directory (SQLite database, instance key), owned by the
# image's non-root user (65532).
COPY --from=build --chown=65532:65532 /out/data /data
ENV HOOKD_DATA_DIR=/data \
    HOOKD_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# `hookd healthcheck` GETs http://127.0.0.1:8080/healthz (from HOOKD_ADDR):
# no shell or curl needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/hookd", "healthcheck"]
ENTRYPOINT ["/hookd"]
CMD ["serve"]
