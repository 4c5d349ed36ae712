"""What the tests share besides fixtures (those are in tests/conftest.py), by subject:

- api.py: Person, the common moves through the API (`Api` over ASGI, the `api`
  fixture; `ServiceApi` over HTTP to a service run as a process), refusal envelopes,
  test pictures and raw JSON bodies.
- app.py: an app of a test's own (`running`), its settings, and looking behind it:
  rows (`count`, `count_rows`) and stored files.
- cli.py: `python -m app` as a process (`run_app`, `start_serve`, ...), ROOT.
- topology.py: the docker-compose deployment as separate processes.
- redis.py: a real Redis server.
- polling.py: waiting for something with a deadline, never a fixed sleep (the
  image_saver tests use it too).

Nothing here is imported by the package itself, so a test imports only what it uses.
"""
