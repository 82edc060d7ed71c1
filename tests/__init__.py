"""The test suite.

Every app, server and subprocess a test starts hashes passwords with argon2id at
its lowest cost (about 0.1 ms instead of 0.15 s each): logins, new users and
password changes are thousands of requests here, and nothing real is protected.
A test that needs another cost sets it in its own Settings.

The suite's processes start and drop many apps: none freezes its heap after
start-up (gc.freeze would keep every dropped app's cycles for the run).
"""

import os

os.environ.setdefault("EXPOTV_PASSWORD_TIME_COST", "1")
os.environ.setdefault("EXPOTV_PASSWORD_MEMORY_KIB", "64")
os.environ.setdefault("EXPOTV_PASSWORD_PARALLELISM", "1")
os.environ.setdefault("EXPOTV_GC_FREEZE_AFTER_STARTUP", "false")
