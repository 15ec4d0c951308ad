# RecLab container image: a Swift toolchain image builds the release binary; a slim Debian runtime runs it.
# The Debian packages of both stages come from the lists in .ci/ (runtime-deps.txt, build-deps.txt), the same
# lists .ci/ensure-deps.sh installs from, so the image and CI cannot drift apart (DependencyListTests).
#
#   docker build -t reclab .
#   docker run --rm reclab reclab run experiments/tiny.yaml --out /tmp/tiny
#
# See docs/scaling.md for running the units of a plan on Spark with this image.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
COPY .ci/build-deps.txt /tmp/build-deps.txt
RUN apt-get update \
    && apt-get install -y --no-install-recommends $(awk '!/^[[:space:]]*(#|$)/ { print $1 }' /tmp/build-deps.txt) \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# The Swift runtime is linked in, so the runtime stage needs no toolchain.
RUN swift build -c release --product reclab --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/reclab" /out/reclab

FROM ${RUNTIME_IMAGE} AS runtime
COPY .ci/runtime-deps.txt /tmp/runtime-deps.txt
RUN apt-get update \
    && apt-get install -y --no-install-recommends $(awk '!/^[[:space:]]*(#|$)/ { print $1 }' /tmp/runtime-deps.txt) \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-deps.txt
COPY --from=build /out/reclab /usr/local/bin/reclab
# Configs and world definitions, so `reclab run experiments/tiny.yaml` works from the working folder;
# mount data and plan folders at the same paths on every machine of a cluster.
WORKDIR /reclab
COPY experiments ./experiments
COPY datasets ./datasets
CMD ["reclab", "--help"]
