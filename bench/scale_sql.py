"""The set-based statements of `bench.scale_data`, one constant per table (statements apart by a blank line).

Every statement reads `fill_clock.today` (midnight UTC of the fill) instead of `now()`, and
derives each value from row numbers, so the same factor on the same day gives the same rows;
the inserts whose generated ids later values depend on are ordered, whatever plan the database picks.
Ids of users, courses and sessions are given explicitly (1, 2, ...) so that later statements can
compute who teaches and who attends by arithmetic; the fill resets their sequences afterwards.
"""

# Users 1..admins are admins (1 is ADMIN_EMAIL), then the trainers (the first is TRAINER_EMAIL),
# then the learners (the first is LEARNER_EMAIL). One learner in 211 is deactivated.
USERS = """
INSERT INTO users (id, email, name, organisation, category, locale, password_hash, is_active_account,
                   email_confirmed_at, created_at, session_nonce)
SELECT n,
       CASE WHEN n = 1 THEN :admin_email
            WHEN n = :named_trainer THEN :trainer_email
            WHEN n = :named_learner THEN :learner_email
            WHEN n <= :admins THEN 'admin' || n || '@scale.example.org'
            WHEN n < :first_learner THEN 'trainer' || lpad(n::text, 4, '0') || '@scale.example.org'
            ELSE 'learner' || lpad(n::text, 7, '0') || '@scale.example.org' END,
       (ARRAY['Camille', 'Léa', 'Hugo', 'Chloé', 'Lucas', 'Inès', 'Louis', 'Manon', 'Jules', 'Zoé',
              'Arthur', 'Emma', 'Noah', 'Jade', 'Raphaël', 'Louise', 'Gabriel', 'Alice', 'Adam', 'Lina'])[1 + n % 20]
       || ' ' ||
       (ARRAY['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy',
              'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux',
              'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Mercier', 'Dupont'])[1 + (n / 20) % 25],
       (ARRAY['Genethon', 'Yposkesi', 'Genopole', 'Université Paris-Saclay', 'Inserm', 'CNRS', 'Sanofi',
              'Servier', ''])[1 + n % 9],
       (ARRAY['employee', 'employee', 'employee', 'job_seeker', 'self_funded', 'student', 'other'])[1 + n % 7],
       CASE WHEN n % 5 = 0 THEN 'en' ELSE 'fr' END,
       :password_hash,
       n <= :named_learner OR n % 211 <> 7,
       c.created_at, c.created_at,
       md5('nonce-' || n)
FROM generate_series(1, :first_learner + :learners - 1) AS n
CROSS JOIN fill_clock
CROSS JOIN LATERAL (
    SELECT fill_clock.today - make_interval(days => 3700 - (n::bigint * 3650 / (:first_learner + :learners))::int)
           AS created_at
) c;

INSERT INTO user_roles (user_id, role, granted_at)
SELECT id,
       CASE WHEN id <= :admins THEN 'admin' WHEN id < :first_learner THEN 'trainer' ELSE 'learner' END,
       created_at
FROM users
"""

# Course n runs for 2 + n % 7 days of two half-days each (7 h a day).
COURSES = """
INSERT INTO courses (id, slug, title, track, level, language, format, summary, objectives, duration_hours,
                     price_eur, status, search_text, created_at, updated_at)
SELECT c.n, 'scale-course-' || c.n, c.title,
       (ARRAY['research', 'biomanufacturing', 'entrepreneurship'])[1 + c.n % 3],
       (ARRAY['introductory', 'intermediate', 'advanced'])[1 + (c.n / 3) % 3],
       CASE WHEN c.n % 4 = 0 THEN 'en' ELSE 'fr' END,
       (ARRAY['in_person', 'remote', 'hybrid'])[1 + (c.n / 9) % 3],
       :summary, :objectives, 7 * (2 + c.n % 7), 450 * (1 + c.n % 5), 'published', c.search,
       fill_clock.today - interval '3700 days', fill_clock.today - interval '3700 days'
FROM unnest(CAST(:titles AS text[]), CAST(:search AS text[])) WITH ORDINALITY AS c (title, search, n)
CROSS JOIN fill_clock
"""

# Sessions spread evenly from 3,450 days ago to 180 days ahead; one in 101 cancelled, one in 10
# on approval. Slots: 07:00-10:30 and 11:30-15:00 UTC each day. Trainers: the named trainer on
# one session in trainer_stride, a second trainer on one session in four.
SESSIONS = """
INSERT INTO sessions (id, course_id, place, capacity, seats_taken, starts_at, ends_at, enrolment_deadline,
                      cancellation_deadline, approval_required, status, created_at, updated_at, cancelled_at,
                      cancellation_reason)
SELECT s.i, s.course_id, s.place, 30 + s.i % 12, 0, s.starts_at,
       s.starts_at + make_interval(days => 1 + s.course_id % 7, hours => 8),
       s.starts_at - interval '3 days', s.starts_at - interval '2 days',
       s.i % 10 = 3,
       CASE WHEN s.i % 101 = 50 THEN 'cancelled' ELSE 'scheduled' END,
       s.starts_at - interval '120 days', s.starts_at - interval '120 days',
       CASE WHEN s.i % 101 = 50 THEN s.starts_at - interval '10 days' END,
       CASE WHEN s.i % 101 = 50 THEN 'Trop peu d''inscrits' END
FROM (
    SELECT i, 1 + (i - 1) % :courses AS course_id,
           (ARRAY['Genopole Campus 1, Evry', 'Genopole Campus 3, Evry', 'En ligne',
                  'Institut Imagine, Paris'])[1 + i % 4] AS place,
           fill_clock.today + make_interval(days => -3450 + ((i - 1)::bigint * 3630 / (:sessions - 1))::int, hours => 7)
           AS starts_at
    FROM generate_series(1, :sessions) AS i
    CROSS JOIN fill_clock
) s;

INSERT INTO slots (session_id, starts_at, ends_at, hours)
SELECT s.id, t.starts_at, t.starts_at + interval '3 hours 30 minutes', 3.5
FROM sessions s
CROSS JOIN LATERAL generate_series(0, 2 * (2 + s.course_id % 7) - 1) AS h
CROSS JOIN LATERAL (
    SELECT s.starts_at + (h / 2) * interval '1 day' + (h % 2) * interval '4 hours 30 minutes' AS starts_at
) t
ORDER BY s.id, t.starts_at;

INSERT INTO session_trainers (session_id, user_id)
SELECT id, CASE WHEN (id - 1) % :trainer_stride = 0 THEN :named_trainer
                ELSE :named_trainer + 1 + id % (:trainers - 1) END
FROM sessions
UNION ALL
SELECT id, :named_trainer + 1 + (id + 7) % (:trainers - 1)
FROM sessions
WHERE id % 4 = 0
"""

# 40 enrolments per past session (34 confirmed at most), a few more than the confirmed ones
# ahead of today. Learners rotate over the sessions; the named learner is the first learner of
# one session in learner_stride.
ENROLMENTS = """
INSERT INTO enrolments (session_id, user_id, status, created_at, updated_at, waitlisted_at, confirmed_at,
                        cancelled_at, prerequisites_acknowledged_at, enrolled_by_id, decided_by_id, decided_at,
                        decision_reason)
SELECT e.session_id, e.user_id, e.status, e.created_at,
       CASE WHEN e.status = 'cancelled' THEN e.later WHEN e.status = 'rejected' THEN e.later ELSE e.created_at END,
       CASE WHEN e.status = 'waitlisted' THEN e.created_at END,
       CASE WHEN e.status = 'confirmed' THEN e.created_at END,
       CASE WHEN e.status = 'cancelled' THEN e.later END,
       e.created_at,
       CASE WHEN e.k % 10 = 9 THEN 2 END,
       CASE WHEN e.status = 'rejected' THEN 1 END,
       CASE WHEN e.status = 'rejected' THEN e.later END,
       CASE WHEN e.status = 'rejected' THEN 'Prérequis non remplis' END
FROM (
    SELECT s.id AS session_id, k,
           CASE WHEN k = 0 AND (s.id - 1) % :learner_stride = 0 THEN :named_learner
                ELSE :named_learner + 1 + ((s.id - 1)::bigint * 40 + k) % (:learners - 1) END AS user_id,
           CASE WHEN s.status = 'cancelled' THEN 'cancelled'
                WHEN k < s.conf THEN 'confirmed'
                WHEN (k - s.conf) % 4 = 2 AND s.conf = s.capacity THEN 'waitlisted'
                WHEN (k - s.conf) % 4 = 3 AND s.approval_required AND s.starts_at > s.today THEN 'pending_approval'
                WHEN (k - s.conf) % 4 = 3 AND s.approval_required THEN 'rejected'
                ELSE 'cancelled' END AS status,
           c.created_at,
           least(c.created_at + interval '3 days', s.today) AS later
    FROM (
        SELECT sessions.*, fill_clock.today,
               CASE WHEN starts_at > fill_clock.today THEN least(capacity, 8 + id % 30)
                    ELSE least(capacity, 34) END AS conf
        FROM sessions CROSS JOIN fill_clock
    ) s
    CROSS JOIN generate_series(0, 39) AS k
    CROSS JOIN LATERAL (
        SELECT least(s.starts_at - make_interval(days => 60 - k), s.today - make_interval(hours => 40 - k))
               AS created_at
    ) c
    WHERE s.starts_at <= s.today OR k < s.conf + 4
) e
ORDER BY e.session_id, e.k;

UPDATE sessions SET seats_taken = c.confirmed
FROM (SELECT session_id, count(*) AS confirmed FROM enrolments WHERE status = 'confirmed' GROUP BY session_id) c
WHERE sessions.id = c.session_id
"""

# A mark for every confirmed learner and every half-day begun before today: 85 % present,
# 5 % late, 7 % absent, 3 % excused; one in ten checked in by the learner, the rest by the
# session's first trainer.
MARKS = """
INSERT INTO attendance_marks (session_id, enrolment_id, slot_id, status, note, method, marked_by_id, marked_at,
                              checked_in_at)
SELECT e.session_id, e.id, sl.id,
       CASE WHEN m.h < 85 THEN 'present' WHEN m.h < 90 THEN 'late' WHEN m.h < 97 THEN 'absent' ELSE 'excused' END,
       CASE WHEN m.h >= 97 THEN 'Justificatif fourni' ELSE '' END,
       CASE WHEN m.self THEN 'self_checkin' ELSE 'trainer' END,
       CASE WHEN m.self THEN e.user_id ELSE t.user_id END,
       sl.starts_at + interval '20 minutes',
       CASE WHEN m.self THEN sl.starts_at + interval '5 minutes'
            WHEN m.h >= 85 AND m.h < 90 THEN sl.starts_at + interval '25 minutes' END
FROM enrolments e
JOIN slots sl ON sl.session_id = e.session_id
JOIN (SELECT session_id, min(user_id) AS user_id FROM session_trainers GROUP BY session_id) t
  ON t.session_id = e.session_id
CROSS JOIN fill_clock
CROSS JOIN LATERAL (
    SELECT (e.id * 37 + sl.id * 11) % 100 AS h,
           (e.id + sl.id) % 10 = 0 AND (e.id * 37 + sl.id * 11) % 100 < 90 AS self
) m
WHERE e.status = 'confirmed' AND sl.starts_at < fill_clock.today
ORDER BY sl.starts_at, e.id
"""

# Signatures came late: the last `recent_sessions` sessions begun before today carry the full
# evidence (EVIDENCE below); on every older half-day ended before today, but one in fifty, the
# first trainer's sign-off has the signer's name only, as the migration left the sign-offs made
# before signatures existed.
SIGNOFFS = """
CREATE TEMP TABLE fill_recent AS
SELECT id AS session_id FROM sessions, fill_clock
WHERE starts_at < fill_clock.today AND status = 'scheduled'
ORDER BY starts_at DESC
LIMIT :recent_sessions;

INSERT INTO slot_signoffs (slot_id, signed_by_id, signed_at, signer_name, meaning, record_hash)
SELECT sl.id, t.user_id, sl.ends_at + interval '10 minutes', u.name, '', ''
FROM slots sl
JOIN sessions s ON s.id = sl.session_id
JOIN (SELECT session_id, min(user_id) AS user_id FROM session_trainers GROUP BY session_id) t
  ON t.session_id = sl.session_id
JOIN users u ON u.id = t.user_id
CROSS JOIN fill_clock
WHERE sl.ends_at < fill_clock.today AND s.status = 'scheduled' AND sl.id % 50 <> 0
  AND sl.session_id NOT IN (SELECT session_id FROM fill_recent)
"""

# The recent half-days' evidence, as `attendance.signatures` makes it: each learner signs their
# presence (all but one in twenty, drawn or typed, on their own device after a self check-in,
# else on the trainer's), then the first trainer signs the roll off. The meanings come from the
# app's own functions (:slot_ids with :present, :late, :signoff); the hashes are the SHA-256 of
# the same compact, key-sorted JSON as `signatures._digest`, spelt out in SQL (session time zone UTC).
RECENT_SLOTS = """
SELECT sl.id, sl.starts_at, sl.ends_at, c.title, c.language, s.seats_taken
FROM slots sl
JOIN sessions s ON s.id = sl.session_id
JOIN courses c ON c.id = s.course_id
CROSS JOIN fill_clock
WHERE sl.session_id IN (SELECT session_id FROM fill_recent) AND sl.ends_at < fill_clock.today
ORDER BY sl.id
"""

EVIDENCE = """
CREATE TEMP TABLE fill_meanings AS
SELECT * FROM unnest(CAST(:slot_ids AS int[]), CAST(:present AS text[]), CAST(:late AS text[]),
                     CAST(:signoff AS text[])) AS t (slot_id, present, late, signoff);

INSERT INTO attendance_signatures (mark_id, signer_id, signer_name, signed_at, meaning, method, device, drawing,
                                   typed_name, record_hash)
SELECT m.id, u.id, u.name, x.signed_at, x.meaning, x.method, x.device, x.drawing, x.typed,
       encode(sha256(convert_to(
           '{"device":' || to_json(x.device)::text || ',"drawing":' || to_json(x.drawing)::text
           || ',"enrolment":' || m.enrolment_id || ',"mark":' || m.id || ',"meaning":' || to_json(x.meaning)::text
           || ',"method":' || to_json(x.method)::text || ',"name":' || to_json(u.name)::text
           || ',"session":' || m.session_id || ',"signed_at":' || to_json(x.iso)::text
           || ',"signer":' || u.id || ',"slot":' || m.slot_id || ',"status":' || to_json(m.status)::text
           || ',"typed":' || to_json(x.typed)::text || '}', 'UTF8')), 'hex')
FROM attendance_marks m
JOIN fill_meanings f ON f.slot_id = m.slot_id
JOIN enrolments e ON e.id = m.enrolment_id
JOIN users u ON u.id = e.user_id
CROSS JOIN LATERAL (
    SELECT m.marked_at + interval '1 minute' AS signed_at,
           to_char(m.marked_at + interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00' AS iso,
           CASE m.status WHEN 'late' THEN f.late ELSE f.present END AS meaning,
           CASE WHEN m.id % 2 = 0 THEN 'drawn' ELSE 'typed' END AS method,
           CASE m.method WHEN 'self_checkin' THEN 'own' ELSE 'trainer' END AS device,
           CASE WHEN m.id % 2 = 0 THEN '12,40 30,22 48,60 66,30 84,52;100,40 120,45' ELSE '' END AS drawing,
           CASE WHEN m.id % 2 = 0 THEN '' ELSE u.name END AS typed
) x
WHERE m.status IN ('present', 'late') AND m.id % 20 <> 0
ORDER BY m.id;

INSERT INTO slot_signoffs (slot_id, signed_by_id, signed_at, signer_name, meaning, record_hash)
SELECT sl.id, t.user_id, x.signed_at, u.name, f.signoff,
       encode(sha256(convert_to(
           '{"marks":[' || coalesce(r.marks, '') || '],"meaning":' || to_json(f.signoff)::text
           || ',"session":' || sl.session_id || ',"signed_at":' || to_json(x.iso)::text
           || ',"signer":' || t.user_id || ',"slot":' || sl.id || '}', 'UTF8')), 'hex')
FROM fill_meanings f
JOIN slots sl ON sl.id = f.slot_id
JOIN (SELECT session_id, min(user_id) AS user_id FROM session_trainers GROUP BY session_id) t
  ON t.session_id = sl.session_id
JOIN users u ON u.id = t.user_id
CROSS JOIN fill_clock
CROSS JOIN LATERAL (
    SELECT sl.ends_at + interval '10 minutes' AS signed_at,
           to_char(sl.ends_at + interval '10 minutes', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00' AS iso
) x
CROSS JOIN LATERAL (
    SELECT string_agg(
               '{"enrolment":' || m.enrolment_id || ',"mark":' || m.id || ',"session":' || m.session_id
               || ',"signature":' || coalesce(to_json(s.record_hash)::text, 'null') || ',"slot":' || m.slot_id
               || ',"status":' || to_json(m.status)::text || '}',
               ',' ORDER BY m.enrolment_id) AS marks
    FROM attendance_marks m LEFT JOIN attendance_signatures s ON s.mark_id = m.id
    WHERE m.slot_id = sl.id
) r
WHERE sl.ends_at < fill_clock.today AND sl.id % 50 <> 0
"""

# Certificates for the confirmed learners of ended sessions who attended the course's share of
# the hours, as `certificates.services` judges it. One in twenty was re-issued (version 1
# superseded by version 2), one in 97 of the others revoked. Serials as the app makes them.
CERTIFICATES = """
CREATE TEMP TABLE fill_eligible AS
SELECT e.id AS enrolment_id, u.locale, u.email, sc.hours AS scheduled, coalesce(a.hours, 0) AS attended,
       least(s.ends_at + interval '1 day', fill_clock.today) AS first_issue,
       least(s.ends_at + interval '31 days', fill_clock.today) AS second_issue,
       least(s.ends_at + interval '61 days', fill_clock.today) AS revoked_at
FROM enrolments e
JOIN sessions s ON s.id = e.session_id
JOIN courses c ON c.id = s.course_id
JOIN users u ON u.id = e.user_id
JOIN (SELECT session_id, sum(hours) AS hours FROM slots GROUP BY session_id) sc ON sc.session_id = e.session_id
LEFT JOIN (
    SELECT m.enrolment_id, sum(sl.hours) AS hours
    FROM attendance_marks m JOIN slots sl ON sl.id = m.slot_id
    WHERE m.status IN ('present', 'late')
    GROUP BY m.enrolment_id
) a ON a.enrolment_id = e.id
CROSS JOIN fill_clock
WHERE e.status = 'confirmed' AND s.ends_at < fill_clock.today
  AND coalesce(a.hours, 0) >= round(sc.hours * c.attendance_threshold, 2);

INSERT INTO certificates (code, serial, enrolment_id, version, course_version, status, hours_attended,
                          hours_scheduled, locale, issued_at, issued_by_id, sha256, revoked_at, revoked_by_id,
                          revocation_reason, superseded_at)
SELECT left(translate(encode(sha256(convert_to('scale-code-' || f.enrolment_id || '-' || v, 'UTF8')), 'base64'),
                      '+/', '-_'), 24),
       'GT-' || to_char(c.issued_at, 'YYYY') || '-'
           || CASE WHEN f.enrolment_id < 1000000 THEN lpad(f.enrolment_id::text, 6, '0')
                   ELSE f.enrolment_id::text END
           || '-' || v,
       f.enrolment_id, v, 1, c.status,
       CASE WHEN c.status = 'superseded' THEN greatest(f.attended - 3.5, 0) ELSE f.attended END,
       f.scheduled, f.locale, c.issued_at, 1,
       encode(sha256(convert_to('scale-pdf-' || f.enrolment_id || '-' || v, 'UTF8')), 'hex'),
       CASE WHEN c.status = 'revoked' THEN f.revoked_at END,
       CASE WHEN c.status = 'revoked' THEN 1 END,
       CASE WHEN c.status = 'revoked' THEN 'Émis par erreur' END,
       CASE WHEN c.status = 'superseded' THEN f.second_issue END
FROM fill_eligible f
CROSS JOIN LATERAL generate_series(1, CASE WHEN f.enrolment_id % 20 = 0 THEN 2 ELSE 1 END) AS v
CROSS JOIN LATERAL (
    SELECT CASE WHEN v = 2 THEN f.second_issue ELSE f.first_issue END AS issued_at,
           CASE WHEN f.enrolment_id % 20 = 0 AND v = 1 THEN 'superseded'
                WHEN f.enrolment_id % 20 <> 0 AND f.enrolment_id % 97 = 0 THEN 'revoked'
                ELSE 'valid' END AS status
) c
ORDER BY f.enrolment_id, v
"""

# About a million rows at factor 1, each describing a row above as the services record it:
# enrolments made, cancelled and rejected, two marks in five, every signature and sign-off, every
# certificate issued, superseded or revoked, e-mail confirmations, courses and sessions.
AUDIT = """
INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT e.created_at, u.id, u.email, 'enrolment.created', 'enrolments', e.id::text, NULL,
       json_build_object('status', CASE e.status WHEN 'cancelled' THEN 'confirmed'
                                                 WHEN 'rejected' THEN 'pending_approval' ELSE e.status END,
                         'user', l.email, 'session_id', e.session_id),
       NULL, '192.0.2.' || (1 + e.id % 250)
FROM enrolments e JOIN users l ON l.id = e.user_id JOIN users u ON u.id = coalesce(e.enrolled_by_id, e.user_id);

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT coalesce(e.cancelled_at, e.decided_at), u.id, u.email,
       CASE e.status WHEN 'cancelled' THEN 'enrolment.cancelled' ELSE 'enrolment.rejected' END,
       'enrolments', e.id::text, json_build_object('status', 'confirmed'), json_build_object('status', e.status),
       e.decision_reason, '198.51.100.' || (1 + e.id % 250)
FROM enrolments e JOIN users u ON u.id = coalesce(e.decided_by_id, e.user_id)
WHERE e.status IN ('cancelled', 'rejected');

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT m.marked_at, u.id, u.email, 'attendance.marked', 'attendance_marks', m.id::text, NULL,
       json_build_object('status', m.status, 'note', m.note, 'method', m.method, 'marked_by', u.email,
                         'checked_in_at', to_char(m.checked_in_at, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')),
       NULL, '203.0.113.' || (1 + m.id % 250)
FROM attendance_marks m JOIN users u ON u.id = m.marked_by_id
WHERE m.id % 5 < 2;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT o.signed_at, u.id, u.email, 'attendance.signed_off', 'slots', o.slot_id::text, NULL,
       json_build_object('session_id', sl.session_id, 'signed_by', u.email,
                         'signed_at', to_char(o.signed_at, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                         'meaning', o.meaning, 'record_hash', o.record_hash),
       NULL, '203.0.113.' || (1 + o.slot_id % 250)
FROM slot_signoffs o JOIN slots sl ON sl.id = o.slot_id JOIN users u ON u.id = o.signed_by_id;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT g.signed_at, u.id, u.email, 'attendance.signed', 'attendance_signatures', g.id::text, NULL,
       json_build_object('mark_id', g.mark_id, 'slot_id', m.slot_id, 'signer', u.email,
                         'signed_at', to_char(g.signed_at, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), 'meaning', g.meaning,
                         'method', g.method, 'device', g.device, 'record_hash', g.record_hash),
       NULL, '203.0.113.' || (1 + g.id % 250)
FROM attendance_signatures g JOIN attendance_marks m ON m.id = g.mark_id JOIN users u ON u.id = g.signer_id;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT c.issued_at, a.id, a.email, 'certificate.issued', 'certificates', c.id::text, NULL,
       json_build_object('serial', c.serial, 'version', c.version, 'sha256', c.sha256,
                         'hours_attended', c.hours_attended::text, 'hours_scheduled', c.hours_scheduled::text,
                         'user', l.email),
       NULL, '192.0.2.1'
FROM certificates c JOIN users a ON a.id = c.issued_by_id
JOIN enrolments e ON e.id = c.enrolment_id JOIN users l ON l.id = e.user_id;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT coalesce(c.superseded_at, c.revoked_at), 1, :admin_email,
       CASE c.status WHEN 'superseded' THEN 'certificate.superseded' ELSE 'certificate.revoked' END,
       'certificates', c.id::text, json_build_object('status', 'valid'), json_build_object('status', c.status),
       c.revocation_reason, '192.0.2.1'
FROM certificates c
WHERE c.status IN ('superseded', 'revoked');

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT u.email_confirmed_at, u.id, u.email, 'user.email_confirmed', 'users', u.id::text, NULL, NULL, NULL,
       '198.51.100.' || (1 + u.id % 250)
FROM users u;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT c.created_at, NULL, 'cli', 'course.created', 'courses', c.id::text, NULL,
       json_build_object('title', c.title, 'status', c.status), NULL, NULL
FROM courses c;

INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id, before, after, reason, ip_address)
SELECT coalesce(s.cancelled_at, s.created_at + interval '1 day'), 1, :admin_email,
       CASE s.status WHEN 'cancelled' THEN 'session.cancelled' ELSE 'session.updated' END,
       'sessions', s.id::text, json_build_object('capacity', s.capacity - 2), json_build_object('capacity', s.capacity),
       s.cancellation_reason, '192.0.2.1'
FROM sessions s
"""

# What the database's triggers keep as attendance is written (training/attendance/totals.py): the
# fill turns them off, as they would update an enrolment per mark and a half-day per sign-off, and
# sets the same figures here, once, from all the rows.
KEPT_TOTALS = """
UPDATE enrolments SET hours_attended = summed.hours
FROM (
    SELECT m.enrolment_id, sum(sl.hours) AS hours
    FROM attendance_marks m JOIN slots sl ON sl.id = m.slot_id
    WHERE m.status IN ('present', 'late')
    GROUP BY m.enrolment_id
) AS summed
WHERE enrolments.id = summed.enrolment_id;

UPDATE slots SET signed_off = true FROM slot_signoffs WHERE slot_signoffs.slot_id = slots.id
"""
