-- 0006: halls, online booking, hall queue numbers and the no-show blacklist
-- (§1-1-1-1-2, §1-1-3-2-4-5). Times are epoch seconds; days are day numbers
-- (days since 1970-01-01, +08:00) and times of day minutes after midnight.

-- hours: {"1":["09:00-12:00","13:00-17:00"],…,"7":[]} by ISO weekday.
-- validity: halfday (a booking is valid through the opening interval of its
-- slot) or slot (from 30 minutes before the slot to its end).
-- queue_version is bumped by every queue change: on PostgreSQL the row lock
-- it takes serialises the queue of one hall.
CREATE TABLE halls (
    id            @ID@,
    department_id BIGINT NOT NULL,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    region        TEXT NOT NULL,
    lng           TEXT,
    lat           TEXT,
    phone         TEXT,
    hours         TEXT NOT NULL,
    booking_days  INTEGER NOT NULL DEFAULT 5,
    validity      TEXT NOT NULL DEFAULT 'halfday',
    status        TEXT NOT NULL DEFAULT 'open',
    queue_version BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX halls_department ON halls(department_id);

CREATE TABLE hall_matters (
    hall_id     BIGINT NOT NULL,
    matter_code TEXT NOT NULL,
    bookable    INTEGER NOT NULL DEFAULT 1,
    quota       INTEGER NOT NULL,
    PRIMARY KEY (hall_id, matter_code)
);

-- matters: ",code,code," or "" for every matter of the hall
CREATE TABLE hall_windows (
    id       @ID@,
    hall_id  BIGINT NOT NULL,
    no       TEXT NOT NULL,
    name     TEXT NOT NULL,
    matters  TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL DEFAULT 'open',
    UNIQUE (hall_id, no)
);

-- One row per slot that has been booked at least once; `booked` is the
-- counter the conditional increment guards (never above the quota).
CREATE TABLE booking_slots (
    hall_id     BIGINT NOT NULL,
    matter_code TEXT NOT NULL,
    day         INTEGER NOT NULL,
    start_min   INTEGER NOT NULL,
    booked      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hall_id, matter_code, day, start_min)
);

-- booker: 'c:<citizen id>' or 'p:<phone blind index>' (without a session).
-- qr_version is signed into the QR code and bumped by a reschedule, so the
-- code of the old slot no longer checks in.
-- The partial unique index is the rule "one active booking per ID number
-- per matter"; the database enforces it under any concurrency.
CREATE TABLE bookings (
    id              @ID@,
    code            TEXT NOT NULL UNIQUE,
    citizen_id      BIGINT,
    booker          TEXT NOT NULL,
    name            TEXT NOT NULL,
    id_number_enc   TEXT NOT NULL,
    id_number_bidx  TEXT NOT NULL,
    phone_enc       TEXT NOT NULL,
    hall_id         BIGINT NOT NULL,
    matter_code     TEXT NOT NULL,
    day             INTEGER NOT NULL,
    start_min       INTEGER NOT NULL,
    end_min         INTEGER NOT NULL,
    valid_from      BIGINT NOT NULL,
    valid_to        BIGINT NOT NULL,
    status          TEXT NOT NULL,
    noshow_counted  INTEGER NOT NULL DEFAULT 0,
    qr_version      INTEGER NOT NULL DEFAULT 1,
    channel         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    checked_in_at   BIGINT,
    ticket_id       BIGINT
);
CREATE UNIQUE INDEX bookings_active ON bookings(id_number_bidx, matter_code)
    WHERE status IN ('booked', 'checked_in');
CREATE INDEX bookings_citizen ON bookings(citizen_id, id);
CREATE INDEX bookings_booker ON bookings(booker, status);
CREATE INDEX bookings_hall_day ON bookings(hall_id, day, status);
CREATE INDEX bookings_due ON bookings(status, valid_to);
CREATE INDEX bookings_person ON bookings(id_number_bidx, status);

-- Queue numbers. pos orders the waiting line (gaps of 1024 leave room for
-- the insert-three-ahead rule); number is per hall, day and letter.
CREATE TABLE queue_tickets (
    id              @ID@,
    hall_id         BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    letter          TEXT NOT NULL,
    number          INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    matter_code     TEXT NOT NULL,
    booking_id      BIGINT,
    citizen_id      BIGINT,
    name            TEXT,
    phone_enc       TEXT,
    pos             BIGINT NOT NULL,
    status          TEXT NOT NULL,
    window_id       BIGINT,
    returned        INTEGER NOT NULL DEFAULT 0,
    notified_near   INTEGER NOT NULL DEFAULT 0,
    issued_at       BIGINT NOT NULL,
    called_at       BIGINT,
    skipped_at      BIGINT,
    started_at      BIGINT,
    finished_at     BIGINT,
    UNIQUE (hall_id, day, letter, number)
);
CREATE INDEX queue_tickets_line ON queue_tickets(hall_id, day, status, pos);
CREATE INDEX queue_tickets_citizen ON queue_tickets(citizen_id, day);

CREATE TABLE queue_counters (
    hall_id BIGINT NOT NULL,
    day     INTEGER NOT NULL,
    letter  TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (hall_id, day, letter)
);

-- records: JSON array of the booking codes that counted.
CREATE TABLE booking_blacklist (
    id              @ID@,
    id_number_bidx  TEXT NOT NULL,
    id_number_enc   TEXT NOT NULL,
    name            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    records         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    until_at        BIGINT NOT NULL,
    lifted_at       BIGINT,
    lifted_by       TEXT,
    lift_reason     TEXT
);
CREATE INDEX booking_blacklist_person ON booking_blacklist(id_number_bidx, until_at);

INSERT INTO cache_epochs(name, epoch) VALUES ('halls', 1);
