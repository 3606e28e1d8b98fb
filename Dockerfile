# syntax=docker/dockerfile:1
# memo-bot: multi-stage build on Node 24 LTS. Stage 1 compiles TypeScript; stage 2 installs production
# dependencies only (sqlite3 is a native addon, so it needs the compilers there); stage 3 is the runtime.

FROM node:24-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY scripts ./scripts
RUN npm run build

FROM node:24-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild sqlite3

FROM node:24-slim AS runtime
# GLIBC_TUNABLES: allocations of 32 KiB and up (socket read buffers, request bodies) get their own pages
# and go back to the OS when freed; with glibc's default sliding threshold a burst of answers leaves
# ~25 MB of freed memory stranded in the heap (BENCHMARKS.md, memory).
ENV NODE_ENV=production \
    PORT=3000 \
    MEMORY_URL=sqlite:///app/data/memory.sqlite \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Serve Slack and/or Discord (set their tokens); SIGTERM drains answers in flight, then exits 0.
CMD ["node", "--enable-source-maps", "dist/src/main.js", "serve"]
