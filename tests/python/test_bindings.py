"""The phone-facing API from a foreign language: the generated Python bindings of
praxis-mobile against a real praxis-server on 127.0.0.1 (seeded with the demo).

Run by mobile/tests/bindings.rs, which builds nothing itself: it generates the
bindings with the workspace's uniffi-bindgen, starts the server and passes
PRAXIS_BINDINGS (the directory holding praxis_mobile.py and the library),
PRAXIS_SERVER (the server's address), PRAXIS_WORK (a scratch directory) and
PRAXIS_PLAIN_STORE (a store made in plain SQLite, before stores were encrypted).
"""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.environ["PRAXIS_BINDINGS"])

import praxis_mobile as praxis  # noqa: E402
from praxis_mobile import PraxisError  # noqa: E402

SERVER = os.environ["PRAXIS_SERVER"]
WORK = os.environ["PRAXIS_WORK"]
PASSWORD = "praxis-demo"
NOWHERE = "http://127.0.0.1:1"


def store_path(name):
    return os.path.join(WORK, name + ".sqlite3")


class Observer(praxis.SyncObserver):
    """Keeps everything a sync tells, as a phone's progress bar would."""

    def __init__(self):
        self.planned_streams = None
        self.started = []
        self.finished = []
        self.retries = []

    def planned(self, streams):
        self.planned_streams = streams

    def stream_started(self, name, index, of):
        self.started.append((name, index, of))

    def retrying(self, reason, delay_ms):
        self.retries.append((reason, delay_ms))

    def stream_finished(self, result):
        self.finished.append(result)


class Cancelling(Observer):
    """Cancels the sync from inside, as a person pressing Stop would."""

    def __init__(self, token):
        super().__init__()
        self.token = token

    def stream_started(self, name, index, of):
        super().stream_started(name, index, of)
        self.token.cancel()


class EnrolRecordSyncReadBack(unittest.TestCase):
    """One practitioner's day: enrol, record offline, sync, read back."""

    def test_a_practitioners_day(self):
        key = praxis.generate_key()
        self.assertEqual(len(key), 32)
        path = store_path("amira")
        phone = praxis.PraxisStore.create(path, "Amira", key)
        self.assertIsNone(phone.identity().server)

        me = phone.enrol(SERVER, "amira.hassan", PASSWORD, "Amira's test phone")
        self.assertEqual(me.name, "Amira Hassan")
        self.assertEqual(me.server, SERVER)

        # The first sync brings down what Amira may see.
        observer = Observer()
        results = phone.sync(observer, praxis.CancelToken())
        self.assertTrue(results, "the sync reported no stream")
        self.assertTrue(all(r.synced for r in results), [r.error_message for r in results])
        self.assertEqual(observer.planned_streams, len(observer.started))
        self.assertEqual(len(observer.finished), len(observer.started))
        self.assertGreater(sum(r.received for r in results), 0)
        self.assertEqual(phone.waiting_to_sync(), 0)

        projects = phone.projects()
        self.assertEqual(len(projects), 1, projects)
        self.assertTrue(projects[0].team.startswith("Northside"), projects[0].team)
        project = projects[0].id
        overview = phone.overview(project)
        self.assertTrue(overview.measures, "the demo project has measures")
        measure = overview.measures[0]
        events_before = overview.events

        # Offline from here: every kind of record a practitioner makes in the field.
        cycle = phone.plan_cycle(project, praxis.PlanInput(
            change_idea_id=None, follows_id=None, scale=praxis.TestScale.VERY_SMALL,
            objective="Try a shorter risk conversation at the first visit",
            predictions=[praxis.PredictionInput(
                question="Will people take part?", prediction="Yes, both",
                reason="It starts from what matters to them")],
            who="Amira", what="Use the short guide", place="Home visits",
            when="2026-03-10", data_to_collect="Whether a plan was agreed"))
        self.assertEqual(cycle.kind, "cycle-planned")
        phone.record_do(project, cycle.id, praxis.DoInput(
            carried_out_on="2026-03-11", carried_out_by="Amira",
            observations="Both engaged", problems="None", surprises="A daughter joined",
            data_gathered="2 of 2 agreed"))
        phone.record_study(project, cycle.id, praxis.StudyInput(
            analysis="2 of 2", compared_with_predictions="As predicted",
            learning="Short works"))
        phone.record_act(project, cycle.id, praxis.ActInput(
            decision=praxis.Decision.ADAPT, reasons="Worked twice",
            changes="Add a follow-up call", next_step="Test with five people"))
        phone.record_observation(project, praxis.ObservationInput(
            text="Daughter joined the conversation and agreed the plan",
            case_material=False, cycle_id=cycle.id, subject="P-0413",
            observed_on="2026-03-11"))
        ratio = phone.measure(measure.id, 0).proportion
        phone.record_measurement(project, praxis.MeasurementInput(
            measure_id=measure.id, period_start="2026-03-02", period_end="2026-03-08",
            value=None if ratio else 3.0, numerator=3.0 if ratio else None,
            denominator=4.0 if ratio else None, note="recorded on the phone"))
        phone.add_action_plan_entry(project, praxis.ActionPlanInput(
            where_are_we_now="Plans agreed in a fifth of assessments",
            what_do_we_want_to_achieve="Three quarters", how_will_we_get_there="Short guide",
            who_needs_to_take_what_action="Amira: train the team", timescales="By June"))
        phone.add_learning_log_entry(project, praxis.LearningLogInput(
            learning_points="Families help", action_points="Invite them",
            responsibility="Amira", implement_by="2026-04-30"))
        phone.submit_monthly_report(project, praxis.MonthlyReportInput(
            month="2026-03", measures="Up", cycles="One", learning="Short works",
            barriers="Time", plans="Spread", self_score="2.5"))
        # Nine records, and the level the evidence suggested, recorded with the report.
        recorded = 10
        self.assertEqual(phone.waiting_to_sync(), recorded)
        self.assertEqual(phone.overview(project).events, events_before + recorded)

        # Back in range.
        observer = Observer()
        results = phone.sync(observer, praxis.CancelToken())
        self.assertTrue(all(r.synced for r in results), [r.error_message for r in results])
        self.assertEqual(sum(r.sent for r in results), recorded)
        self.assertEqual(phone.waiting_to_sync(), 0)

        # Read back what the screens show.
        detail = phone.cycle(cycle.id)
        self.assertEqual(detail.stage, "act: adapt")
        self.assertEqual(detail.objective, "Try a shorter risk conversation at the first visit")
        self.assertEqual(detail.dos[0].observations, "Both engaged")
        self.assertEqual(detail.studies[0].learning, "Short works")
        self.assertEqual(detail.act.decision, praxis.Decision.ADAPT)
        self.assertEqual(detail.observations[0].subject, "P-0413")
        series = phone.measure(measure.id, 6)
        self.assertLessEqual(len(series.points), 6)
        self.assertIn("recorded on the phone",
                      [p.note for p in phone.measure(measure.id, 0).points])
        for signal in series.signals:
            self.assertIn(signal.chart, ("run", "xmr"))
            self.assertTrue(signal.explanation)
            self.assertTrue(all(i < len(series.points) for i in signal.points))
        conflicts = phone.conflicts()
        self.assertEqual(len(conflicts), 1, conflicts)
        self.assertTrue(conflicts[0].what)

        # A second phone of the same person sees the day's records after its sync.
        other = praxis.PraxisStore.create(store_path("amira-tablet"), "Amira",
                                          praxis.generate_key())
        other.enrol(SERVER, "amira.hassan", PASSWORD, "Amira's tablet")
        other.sync(Observer(), praxis.CancelToken())
        self.assertEqual(other.cycle(cycle.id).stage, "act: adapt")

        # Nothing lost when the store is opened again with its key.
        del phone
        again = praxis.PraxisStore.open(path, key)
        self.assertEqual(again.cycle(cycle.id).act.reasons, "Worked twice")
        self.assertEqual(again.identity().name, "Amira Hassan")

    def test_a_sync_can_be_cancelled_and_finished_later(self):
        key = praxis.generate_key()
        phone = praxis.PraxisStore.create(store_path("ben"), "Ben", key)
        phone.enrol(SERVER, "ben.carter", PASSWORD, "Ben's phone")
        token = praxis.CancelToken()
        observer = Cancelling(token)
        with self.assertRaises(PraxisError.Cancelled) as raised:
            phone.sync(observer, token)
        self.assertIn("sync again", str(raised.exception))
        self.assertTrue(token.is_cancelled())
        self.assertEqual(len(observer.started), 1)
        results = phone.sync(Observer(), praxis.CancelToken())
        self.assertTrue(all(r.synced for r in results))
        self.assertTrue(phone.projects())

    def test_a_sync_runs_beside_a_cancel_from_another_thread(self):
        phone = praxis.PraxisStore.create(store_path("dev"), "Dev", praxis.generate_key())
        phone.enrol(SERVER, "dev.patel", PASSWORD, "Dev's phone")
        token = praxis.CancelToken()
        threading.Thread(target=token.cancel).start()
        try:
            phone.sync(Observer(), token)
        except PraxisError.Cancelled:
            pass
        self.assertTrue(token.is_cancelled())
        results = phone.sync(Observer(), praxis.CancelToken())
        self.assertTrue(all(r.synced for r in results))


class RecordsBeyondTheDailyScreens(unittest.TestCase):
    """What the terminal client records, an app records through the same methods."""

    def test_a_charter_a_schedule_a_correction_and_an_import(self):
        store = praxis.PraxisStore.create(
            store_path("records"), "Asha", praxis.generate_key())
        store.found_collaborative("Independence at home", "Risk", "Forum")
        project = store.start_project(
            None, "Northside", "Northshire CC", "Positive risk plans").stream_id
        charter = store.set_charter(project, praxis.CharterInput(
            what="Agree a positive risk plan", for_whom="adults over 85 at home",
            place="Northside", how_much="from 20% to 75% of assessments",
            by_when="2027-06-30", senior_leader="J. Okafor",
            day_to_day_lead="S. Patel", members=["Asha"]))
        self.assertEqual(charter.kind, "charter-set")
        self.assertGreater(charter.recorded_at_millis, 0)
        self.assertIn("75%", store.overview(project).aim)
        schedule = store.set_schedule(None, [
            praxis.PhaseInput(kind=praxis.PhaseKind.PREWORK(),
                              starts="2026-01-05", ends="2026-02-27"),
            praxis.PhaseInput(kind=praxis.PhaseKind.LEARNING_SESSION(number=1),
                              starts="2026-03-02", ends="2026-03-02"),
        ])
        self.assertEqual(schedule.kind, "schedule-set")
        seen = store.record_observation(project, praxis.ObservationInput(
            text="Went home on day 9", case_material=False, cycle_id=None,
            subject="P-0413", observed_on="2026-03-11"))
        fixed = store.correct(seen.id, praxis.CorrectionInput(
            reason="It was day 8", withdraw=False, text="Went home on day 8",
            value=None, numerator=None, denominator=None, replacement_json=None))
        self.assertEqual(fixed.kind, "correction")
        before = store.overview(project).events
        with self.assertRaises(PraxisError.InvalidInput) as raised:
            store.import_events(project, "paper.jsonl", "not an event\n")
        self.assertIn("line 1 of paper.jsonl", str(raised.exception))
        self.assertEqual(store.overview(project).events, before)
        self.assertGreaterEqual(store.rebuild_views(), before)


class ErrorsArriveAsExceptions(unittest.TestCase):
    """Each kind of error is its own exception, with a message a person can read."""

    def assert_message(self, error, *words):
        text = str(error)
        self.assertTrue(text and text[0].isupper(), text)
        for word in words:
            self.assertIn(word, text)

    def test_a_wrong_key_is_refused(self):
        path = store_path("keyed")
        key = praxis.generate_key()
        store = praxis.PraxisStore.create(path, "Asha", key)
        store.found_collaborative("Independence at home", "Risk", "Forum")
        del store
        with self.assertRaises(PraxisError.WrongKey) as raised:
            praxis.PraxisStore.open(path, praxis.generate_key())
        self.assert_message(raised.exception, "key")
        with self.assertRaises(PraxisError.BadKey) as raised:
            praxis.PraxisStore.open(path, b"short")
        self.assert_message(raised.exception, "32 bytes")
        self.assertEqual(praxis.PraxisStore.open(path, key).identity().name, "Asha")

    def test_a_plain_store_is_refused_then_encrypted(self):
        path = os.environ["PRAXIS_PLAIN_STORE"]
        with open(path, "rb") as f:
            before = f.read()
        self.assertIn(b"blue pot", before)
        key = praxis.generate_key()
        with self.assertRaises(PraxisError.NotEncrypted) as raised:
            praxis.PraxisStore.open(path, key)
        self.assert_message(raised.exception, "not encrypted", "praxis store encrypt",
                            "encrypt_plain")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before, "a refused open changed the store")

        store = praxis.PraxisStore.encrypt_plain(path, key)
        identity = store.identity()
        self.assertEqual(identity.name, "Asha Patel")
        self.assertEqual(identity.server, "http://127.0.0.1:1")
        self.assertEqual(store.waiting_to_sync(), 1)
        del store
        with open(path, "rb") as f:
            after = f.read()
        self.assertNotIn(b"blue pot", after)
        self.assertNotIn(b"SQLite format 3", after)
        self.assertFalse(os.path.exists(path + ".encrypting"))
        self.assertEqual(praxis.PraxisStore.open(path, key).identity().name, "Asha Patel")
        with self.assertRaises(PraxisError.WrongKey):
            praxis.PraxisStore.open(path, praxis.generate_key())
        with self.assertRaises(PraxisError.AlreadyEncrypted) as raised:
            praxis.PraxisStore.encrypt_plain(path, key)
        self.assert_message(raised.exception, "already encrypted")
        with self.assertRaises(PraxisError.NoStore):
            praxis.PraxisStore.encrypt_plain(store_path("never-made"), key)
        with self.assertRaises(PraxisError.BadKey):
            praxis.PraxisStore.encrypt_plain(path, b"short")

    def test_store_errors(self):
        with self.assertRaises(PraxisError.NoStore) as raised:
            praxis.PraxisStore.open(store_path("missing"), praxis.generate_key())
        self.assert_message(raised.exception, "no Praxis store")
        path = store_path("twice")
        praxis.PraxisStore.create(path, "Asha", praxis.generate_key())
        with self.assertRaises(PraxisError.AlreadyExists):
            praxis.PraxisStore.create(path, "Asha", praxis.generate_key())

    def test_offline_errors(self):
        store = praxis.PraxisStore.create(store_path("offline"), "Asha", praxis.generate_key())
        store.found_collaborative("Independence at home", "Risk", "Forum")
        project = store.start_project(None, "Northside", "Northshire CC", "Risk plans")
        with self.assertRaises(PraxisError.NotEnrolled) as raised:
            store.sync(Observer(), praxis.CancelToken())
        self.assert_message(raised.exception, "enrol")
        with self.assertRaises(PraxisError.Refused) as raised:
            store.record_observation(project.stream_id, praxis.ObservationInput(
                text="  ", case_material=False, cycle_id=None, subject=None,
                observed_on=None))
        self.assert_message(raised.exception)
        with self.assertRaises(PraxisError.InvalidInput) as raised:
            store.add_learning_log_entry(project.stream_id, praxis.LearningLogInput(
                learning_points="a", action_points="b", responsibility="c",
                implement_by="31/04/2026"))
        self.assert_message(raised.exception, "YYYY-MM-DD")
        self.assertEqual(store.waiting_to_sync(), 2)

    def test_server_errors(self):
        store = praxis.PraxisStore.create(store_path("errors"), "Chloe", praxis.generate_key())
        with self.assertRaises(PraxisError.Network) as raised:
            store.enrol(NOWHERE, "chloe.evans", PASSWORD, "phone")
        self.assert_message(raised.exception, "offline")
        with self.assertRaises(PraxisError.InvalidInput):
            store.enrol("not a server", "chloe.evans", PASSWORD, "phone")
        with self.assertRaises(PraxisError.WrongPassword) as raised:
            store.enrol(SERVER, "chloe.evans", "not the password", "phone")
        self.assert_message(raised.exception, "password")
        # Too many wrong passwords: the server refuses for a while, and says so.
        with self.assertRaises(PraxisError.ServerRefused) as raised:
            for _ in range(10):
                try:
                    store.enrol(SERVER, "chloe.evans", "still not it", "phone")
                except PraxisError.WrongPassword:
                    continue
        self.assert_message(raised.exception)
        self.assertIsNone(store.identity().server)


if __name__ == "__main__":
    unittest.main(verbosity=2)
