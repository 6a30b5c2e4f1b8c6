# zeren: build on bookworm with the -dev packages, run on bookworm-slim with only the
# runtime libraries, as an unprivileged user.
FROM debian:bookworm-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libulfius-dev libjansson-dev libjwt-dev libpq-dev \
        libmicrohttpd-dev liborcania-dev libssl-dev libxlsxwriter-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY service service
COPY api api
COPY db db
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DZEREN_TESTS=OFF \
    && cmake --build build -j"$(nproc)" \
    && strip build/zeren

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libulfius2.7 libjansson4 libjwt0 libpq5 libmicrohttpd12 liborcania2.3 libssl3 \
        libxlsxwriter4 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home --uid 10001 zeren
COPY --from=build /src/build/zeren /usr/local/bin/zeren
COPY db/seed /usr/share/zeren/seed
USER zeren
ENV ZEREN_BIND_ADDRESS=0.0.0.0 ZEREN_PORT=8080
EXPOSE 8080
# Liveness only (/healthz: the process answers), never /readyz: a database outage must not get
# containers restarted; balancers check /readyz themselves. bash's /dev/tcp, so the image needs
# no HTTP client. Checked by deploy/validate.sh against a running zeren.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ZEREN_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.'[01]' 200 '* ]]"]
ENTRYPOINT ["/usr/local/bin/zeren"]
CMD ["serve"]
