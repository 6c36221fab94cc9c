/*
 * board.h — `poskoctl watch --board`: a full-screen board of shelters
 * (occupancy bars, meals due today), the day's numbers and open alerts.
 *
 * Plain ANSI on the alternate screen, so it works over ssh and in any
 * terminal emulator; redrawn when events arrive (at most ~3 times a
 * second), every 10 s, and when the window changes size (SIGWINCH).
 * q quits, r redraws now.  The terminal is restored however it ends.
 */
#ifndef POSKO_CTL_BOARD_H
#define POSKO_CTL_BOARD_H

#include "ctl/ctl.h"

/* Run the board until q or a signal; returns an exit code. */
int board_run(ctl_ctx *ctx);

#endif
