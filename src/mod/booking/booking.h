/* Online booking, the hall queue and the no-show blacklist (§1-1-1-1-2,
 * §1-1-3-2-4-5): halls with windows and opening hours, one-hour slots with a
 * quota per matter, bookings with signed QR codes, check-in at the kiosk,
 * queue numbers (booked numbers go three places ahead of the end of the
 * line), calling at the windows, the hall screen, and the sweep that turns
 * missed bookings into no-shows and repeat no-shows into a blacklist entry. */
#ifndef TB_MOD_BOOKING_H
#define TB_MOD_BOOKING_H

#include <stddef.h>

#include "db/db.h"

/* Routes of the module. */
void booking_register(void);
/* `tongban seed`: halls, windows and bookable matters from <dir>/halls.json (after org and the
 * catalog). Idempotent: a hall that exists by name is left alone. 0 or -1 with err. */
int booking_seed(tb_db *db, const char *dir, char *err, size_t errlen);
/* Starts the no-show sweep (every booking_sweep_seconds). 0 or -1. */
int booking_sweep_start(void);

#endif
