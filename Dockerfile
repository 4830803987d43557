# One image for the API, the worker and the CLI tasks (migrate, seed, apikey); the command
# picks which, e.g. `docker run --init IMAGE deno task worker`. Default: the API.
FROM denoland/deno:2.9.6

# No update check phoning home at every start; plain log lines from `deno task`.
ENV DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

WORKDIR /app

# Dependencies in their own layer, exactly as locked: a source change reuses this layer, and
# a deno.json/deno.lock mismatch fails the build instead of resolving something new. The
# npm packages land in DENO_DIR (/deno-dir/, owned by the image's `deno` user).
COPY deno.json deno.lock ./
USER deno
RUN deno install --frozen

# The source stays owned by root (read-only to the process); type-checking the entrypoints
# here also caches every module they load, so start-up downloads nothing.
COPY main.ts worker.ts ./
COPY src/ src/
COPY scripts/ scripts/
COPY migrations/ migrations/
RUN deno check --frozen main.ts worker.ts scripts/migrate.ts scripts/seed.ts scripts/apikey.ts

EXPOSE 8000

# For the API only (compose disables it for the worker and one-shot tasks). `deno eval` has
# every permission, so no curl is needed in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["deno", "eval", "const port = Deno.env.get('PORT') || '8000'; const res = await fetch('http://127.0.0.1:' + port + '/health/', { signal: AbortSignal.timeout(4000) }); Deno.exit(res.ok ? 0 : 1);"]

# No wrapper script: the exec-form command makes `deno task` PID 1, and `deno task` forwards
# SIGTERM/SIGINT to the `deno run` it started, whose handlers drain in-flight work and exit 0.
# Run with `--init` (compose: `init: true`) so a tiny init reaps zombies as well.
ENTRYPOINT []
CMD ["deno", "task", "start"]
