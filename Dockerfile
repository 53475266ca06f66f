# cabinetd on Debian bookworm: a build stage with the -dev packages, a slim runtime stage.
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
      libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev libargon2-dev libsodium-dev libjwt-dev \
      libcurl4-gnutls-dev libgnutls28-dev libpwquality-dev liboath-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt openapi.yaml ./
COPY cmake cmake
COPY api api
COPY migrations migrations
RUN cmake -S . -B build -DCABINET_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)"

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libulfius2.7 libmicrohttpd12 libjansson4 libpq5 libargon2-1 libsodium23 libjwt0 \
      libcurl3-gnutls libgnutls30 liboath0 libpwquality1 cracklib-runtime ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin cabinet
COPY --from=build /src/build/api/cabinetd /src/build/api/cabinetctl /usr/local/bin/
USER cabinet
ENV CABINET_LISTEN=0.0.0.0:8080 \
    CABINET_WEB_ROOT=/nonexistent \
    CABINET_LOG_FORMAT=json
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cabinetd"]
