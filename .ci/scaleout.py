"""Scale-out: two web instances and two task workers on shared PostgreSQL, Redis and S3.

What it checks: docs/ci.md.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from testsupport.fakes import FakeGeminiServer  # noqa: E402
from testsupport.files import create_bucket, image_bytes  # noqa: E402
from testsupport.liveserver import free_port, production_env  # noqa: E402

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
START_TIMEOUT_S = 120
AI_TIMEOUT_S = 4
LOST_MARGIN_S = 2
RECOVERY_INTERVAL_S = 1
PUBLISH_INTERVAL_S = 1
# A generation is lost AI_TIMEOUT_S + LOST_MARGIN_S after it started; a sweep runs at least every
# RECOVERY_INTERVAL_S, so it leaves `running` within their sum (plus a poll of slack).
RECOVERY_BOUND_S = AI_TIMEOUT_S + LOST_MARGIN_S + RECOVERY_INTERVAL_S + 2
AUTH_LIMIT = 10
AI_LIMIT = 3
PASSWORD = "a long enough pass 1"  # noqa: S105 - throwaway accounts
STAFF_EMAIL = "staff@example.com"
HEALTH_PARTS = ("database", "storage", "cache")

failures: list[str] = []


def check(condition: bool, what: str, detail: object = "") -> None:
    print(("ok   " if condition else "FAIL ") + what + (f"  ({detail})" if detail != "" else ""))
    if not condition:
        failures.append(what)


class RoundRobin:
    """Alternates between the instances, request by request (what a proxy in front does)."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self._next = itertools.cycle(range(len(bases)))
        self._lock = threading.Lock()

    def base(self) -> str:
        with self._lock:
            return self.bases[next(self._next)]

    def call(self, method, path, *, token=None, address="192.0.2.1", **kwargs) -> requests.Response:
        headers = {"X-Forwarded-For": address}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base() + path, headers=headers, timeout=30, **kwargs)


class Processes:
    """The started processes, each in its own group; stopped (SIGKILL past a bound) at exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: str, env: dict[str, str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - the Procfile's own commands
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started[name] = process
        return process

    def log(self, name: str, chars: int = 3000) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-chars:]

    def stop_all(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.started.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def wait_until(condition, what: str, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - started


def healthy(base: str) -> bool:
    try:
        return requests.get(base + "/api/health/", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def db_rows(database: str, query: str, params=()) -> list[tuple]:
    with psycopg.connect(dbname=database, **PG) as db:
        return db.execute(query, params).fetchall()


def sign_in(client: RoundRobin, email: str, address: str) -> str:
    response = client.call(
        "POST", "/api/auth/token/", json={"email": email, "password": PASSWORD}, address=address
    )
    if response.status_code != 200:
        raise SystemExit(f"sign-in of {email} failed: {response.status_code} {response.text}")
    return response.json()["access"]


def run(args, folder: Path) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    # -- shared services ---------------------------------------------------------------------
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    gemini = FakeGeminiServer().start()
    processes = Processes(folder)
    try:
        host, port = moto.get_host_and_port()
        s3 = f"http://{host}:{port}"
        create_bucket(endpoint_url=s3, bucket="scaleout")
        env = production_env(
            folder,
            PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # the Procfile's `python`
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
            REDIS_URL=redis_url,
            USE_S3="1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's placeholder
            AWS_STORAGE_BUCKET_NAME="scaleout",
            AWS_S3_REGION_NAME="us-east-1",
            AWS_S3_ENDPOINT_URL=s3,
            AI_IMAGE_PROVIDER="gemini",
            GEMINI_API_KEY=gemini.api_key,
            GEMINI_BASE_URL=gemini.url,
            AI_TIMEOUT_S=str(AI_TIMEOUT_S),
            WORKER_LOST_MARGIN_S=str(LOST_MARGIN_S),
            TASK_RECOVERY_INTERVAL_S=str(RECOVERY_INTERVAL_S),
            POST_PUBLISH_INTERVAL_S=str(PUBLISH_INTERVAL_S),
            AI_DAILY_LIMIT=str(AI_LIMIT),
            AUTH_THROTTLE_RATE=f"{AUTH_LIMIT}/min",
            AUTH_ACCOUNT_THROTTLE_RATE="1000/hour",
            NUM_PROXIES="1",
            GUNICORN_MAX_REQUESTS="0",
            LOG_LEVEL="WARNING",
        )
        lines = procfile()

        # -- 1. two web starts at once on an empty database -----------------------------------
        started = time.monotonic()
        ports = [free_port(), free_port()]
        for n, web_port in enumerate(ports):
            # The Procfile's line as is; only the bind moves to loopback.
            command = f"{lines['web']} --bind 127.0.0.1:{web_port}"
            processes.start(f"web{n}", command, {**env, "PORT": str(web_port)})
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for n, base in enumerate(bases):

            def up(n=n, base=base):
                if processes.started[f"web{n}"].poll() is not None:
                    raise SystemExit(f"web{n} exited:\n{processes.log(f'web{n}')}")
                return healthy(base)

            wait_until(up, f"web{n}", START_TIMEOUT_S)
        health = [requests.get(b + "/api/health/", timeout=5).json() for b in bases]
        check(
            all(
                h == {"status": "ok", "database": "ok", "storage": "ok", "cache": "ok"}
                for h in health
            ),
            "two web starts at once on an empty database: both up, health ok (cache included)",
            f"{time.monotonic() - started:.1f} s",
        )
        # INFO: the publishing sweep reports what it published (check 8 adds the reports up).
        worker_env = {**env, "LOG_LEVEL": "INFO"}
        for n in (0, 1):
            worker_command = f"{lines['worker']} --worker-id worker{n}"
            processes.start(f"worker{n}", worker_command, worker_env)
        client = RoundRobin(bases)

        # -- 2. registration and sign-in with REDIS_URL ------------------------------------------
        emails = [f"user{n}@example.com" for n in range(4)]
        registered = [
            client.call(
                "POST",
                "/api/auth/register/",
                json={"email": e, "password": PASSWORD},
                address=f"203.0.113.{n}",
            ).status_code
            for n, e in enumerate(emails)
        ]
        tokens = {e: sign_in(client, e, f"203.0.113.{n}") for n, e in enumerate(emails)}
        me = [
            client.call("GET", "/api/auth/me/", token=tokens[emails[0]]).status_code for _ in "ab"
        ]
        check(
            registered == [201] * 4 and me == [200, 200],
            "registration and sign-in with REDIS_URL; the JWT works on both instances",
            registered,
        )

        # -- 3. a 40-way token burst from one address across both instances ----------------------
        body = {"email": emails[0], "password": PASSWORD}
        gate = threading.Barrier(40)

        def one_token(_):
            gate.wait(timeout=30)
            return client.call("POST", "/api/auth/token/", json=body, address="198.51.100.7")

        with ThreadPoolExecutor(40) as pool:
            burst = [r.status_code for r in pool.map(one_token, range(40))]
        check(
            burst.count(200) == AUTH_LIMIT and burst.count(429) == 40 - AUTH_LIMIT,
            f"40 simultaneous sign-ins from one address, limit {AUTH_LIMIT}: exactly the limit let "
            "through",
            f"{burst.count(200)} x 200, {burst.count(429)} x 429",
        )

        # -- 4. the AI quota across instances ----------------------------------------------------
        ai_user = tokens[emails[1]]

        def one_generation(_):
            return client.call(
                "POST", "/api/ai-agent/generate-image", token=ai_user, json={"prompt": "a rig"}
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            quota = list(pool.map(one_generation, range(8)))
        check(
            quota.count(201) == AI_LIMIT and quota.count(429) == 8 - AI_LIMIT,
            f"8 concurrent generations, daily limit {AI_LIMIT}: exactly the limit generated",
            f"{quota.count(201)} x 201, {quota.count(429)} x 429",
        )

        # -- 5. async generations run exactly once across two workers ----------------------------
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", STAFF_EMAIL],
            cwd=ROOT,
            env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )
        staff = sign_in(client, STAFF_EMAIL, "203.0.113.50")
        calls_before = len(gemini.generate_requests)
        ids = [
            client.call(
                "POST",
                "/api/ai-agent/generate-image",
                token=staff,
                json={"prompt": f"rig {n}", "async": True},
            ).json()["id"]
            for n in range(20)
        ]

        def all_done():
            rows = db_rows(
                args.database,
                "SELECT status FROM ai_agent_generation WHERE id = ANY(%s)",
                (ids,),
            )
            return all(status in ("succeeded", "failed") for (status,) in rows)

        took = wait_until(all_done, "20 async generations", 60)
        statuses = db_rows(
            args.database, "SELECT status FROM ai_agent_generation WHERE id = ANY(%s)", (ids,)
        )
        claims = db_rows(
            args.database,
            "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'",
        )
        by_worker = {w: sum(ids_ == [w] for (ids_,) in claims) for w in ("worker0", "worker1")}
        calls = len(gemini.generate_requests) - calls_before
        check(
            statuses == [("succeeded",)] * 20 and calls == 20 and len(claims) == 20,
            "20 async generations across two workers: each ran exactly once",
            f"{calls} provider calls, {took:.1f} s, per worker {by_worker}",
        )

        # -- 6. a worker SIGKILLed mid-generation --------------------------------------------------
        victim_user = tokens[emails[2]]
        gemini.enqueue(gemini.hang(120))  # the next provider call never answers
        calls_before = len(gemini.generate_requests)
        lost_id = client.call(
            "POST",
            "/api/ai-agent/generate-image",
            token=victim_user,
            json={"prompt": "the one that is lost", "async": True},
        ).json()["id"]
        wait_until(lambda: len(gemini.generate_requests) > calls_before, "the provider call", 30)
        (worker_ids,) = db_rows(
            args.database,
            "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'",
        )[0]
        victim = worker_ids[-1]
        os.killpg(processes.started[victim].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        # the platform restarts it, as Koyeb restarts a crashed worker
        processes.start(victim, f"{lines['worker']} --worker-id {victim}-restarted", worker_env)

        def settled():
            status = client.call(
                "GET", f"/api/ai-agent/generations/{lost_id}/", token=victim_user
            ).json()
            return status["status"] != "running" and status

        wait_until(settled, "the lost generation to be recovered", RECOVERY_BOUND_S + 30)
        recovered_in = time.monotonic() - killed_at
        lost = client.call("GET", f"/api/ai-agent/generations/{lost_id}/", token=victim_user).json()
        task_status = db_rows(
            args.database,
            "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult "
            "WHERE args_kwargs -> 'args' ->> 0 = %s",
            (str(lost_id),),
        )
        check(
            lost["status"] == "failed"
            and lost["error_code"] == "worker_lost"
            and recovered_in <= RECOVERY_BOUND_S,
            f"a worker SIGKILLed mid-generation: the generation left running within "
            f"{RECOVERY_BOUND_S} s as worker_lost",
            f"{recovered_in:.1f} s; task row {task_status}",
        )
        after = [
            client.call(
                "POST", "/api/ai-agent/generate-image", token=victim_user, json={"prompt": "again"}
            ).status_code
            for _ in range(AI_LIMIT + 1)
        ]
        check(
            after == [201] * AI_LIMIT + [429],
            f"the lost generation does not count: the user still has all {AI_LIMIT}",
            after,
        )

        # -- 7. files written through one instance load through the other ------------------------
        a, b = bases
        staff_headers = {"Authorization": f"Bearer {staff}", "X-Forwarded-For": "203.0.113.50"}
        category = requests.post(
            a + "/api/core/categories/", json={"name": "Rigs"}, headers=staff_headers, timeout=30
        ).json()
        photo = ("rig.jpg", image_bytes("JPEG", (120, 80)), "image/jpeg")
        product = requests.post(
            a + "/api/core/products/",
            data={"name": "S21", "price": "10.00", "stock": "3", "category": category["id"]},
            files={"image": photo},
            headers=staff_headers,
            timeout=30,
        ).json()
        seen = requests.get(f"{b}/api/core/products/{product['id']}/", timeout=30).json()
        public = requests.get(seen["image_url"], timeout=30)
        user_headers = {
            "Authorization": f"Bearer {tokens[emails[3]]}",
            "X-Forwarded-For": "1.2.3.4",
        }
        deposit = requests.post(
            a + "/api/core/deposits/",
            data={"amount": "5.00", "method": "crypto"},
            files={"proof": photo},
            headers=user_headers,
            timeout=30,
        ).json()
        deposit_b = requests.get(
            f"{b}/api/core/deposits/{deposit['id']}/", headers=user_headers, timeout=30
        ).json()
        private = requests.get(deposit_b["proof_url"], timeout=30)
        check(
            public.status_code == 200
            and public.content[:2] == b"\xff\xd8"
            and private.status_code == 200
            and private.content[:2] == b"\xff\xd8",
            "a public image and a private proof written through one instance load through the "
            "other",
            f"public {public.status_code}, private {private.status_code}",
        )

        # -- 8. scheduled posts: published once each by two workers; vanished media fail ----------
        poster = {"Authorization": f"Bearer {tokens[emails[3]]}", "X-Forwarded-For": "1.2.3.5"}
        when = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
        scheduled = {"caption": "launch", "status": "scheduled", "scheduled_at": when}
        post_ids = [
            requests.post(a + "/api/posts/", json=scheduled, headers=poster, timeout=30).json()[
                "id"
            ]
            for _ in range(10)
        ]
        doomed = requests.post(
            a + "/api/posts/", data=scheduled, files={"media": photo}, headers=poster, timeout=30
        ).json()
        s3_client = boto3.client(
            "s3",
            endpoint_url=s3,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's placeholder
            region_name="us-east-1",
        )
        s3_client.delete_object(Bucket="scaleout", Key=f"media/{doomed['media'][0]['file']}")

        def posts_settled():
            rows = db_rows(
                args.database,
                "SELECT status FROM content_post WHERE id = ANY(%s)",
                ([*post_ids, doomed["id"]],),
            )
            return all(status != "scheduled" for (status,) in rows)

        took = wait_until(posts_settled, "scheduled posts", 60)
        rows = dict(
            db_rows(
                args.database,
                "SELECT id, status FROM content_post WHERE id = ANY(%s)",
                ([*post_ids, doomed["id"]],),
            )
        )
        reports = processes.log("worker0", 10**7) + processes.log("worker1", 10**7)
        reported = sum(map(int, re.findall(r"'posts_published': (\d+)", reports)))
        failed_post = requests.get(
            f"{b}/api/posts/{doomed['id']}/", headers=poster, timeout=30
        ).json()
        check(
            [rows[i] for i in post_ids] == ["published"] * 10
            and reported == 10
            and failed_post["status"] == "failed"
            and "no longer in storage" in failed_post["publish_error"],
            "10 scheduled posts published once each by two workers; deleted S3 media: failed",
            f"{took:.1f} s after creation (due after 4 s), workers reported {reported}",
        )

        # -- 9. idle workers stop at once on SIGTERM ---------------------------------------------
        stops = {}
        for name in ("worker0", "worker1"):
            process = processes.started[name]
            if process.poll() is not None:
                continue
            began = time.monotonic()
            os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            stops[name] = round(time.monotonic() - began, 2) if process.poll() is not None else None
        check(
            stops and all(t is not None and t < 3 for t in stops.values()),
            "idle workers exit at once on SIGTERM",
            f"{stops} s",
        )
    finally:
        processes.stop_all()
        gemini.stop()
        moto.stop()
        if failures:
            for name in processes.started:
                print(f"--- {name} log (tail) ---\n{processes.log(name)}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="ulm_scale_ci", help="throwaway PostgreSQL database")
    parser.add_argument("--redis-db", type=int, default=6, help="Redis database number (flushed)")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scaleout-") as tmp:
        run(args, Path(tmp))
    print(f"scale-out run: {time.monotonic() - started:.0f} s, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
