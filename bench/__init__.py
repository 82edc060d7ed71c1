"""Benchmarks of issue #15 (``make bench``); not part of the test suite.

run.py          the one command: service and ceiling side by side, RESULTS.md
stack.py        the run's database, Redis prefix, servers and their clean-up
fleet.py        a fleet in bulk (2,000 or 100,000 TVs, their items, people)
ceiling.py      the bare ASGI app the service is compared with
wrk.py, lua/    wrk runs and their scripts (content, 304, ping, mixed, ...)
client.py       passes over the whole fleet (warm-up, rebuild after a change)
ws.py           WebSocket hello load and idle sockets held by another process
uploads.py      the 2 MB picture and 20 MB video, timed end to end
locustfile.py   the seed's Locust test (TVs and dashboard users)
results.py      results/*.json per part and RESULTS.md (targets, tables)
machine.py      machine, versions and load average
"""
