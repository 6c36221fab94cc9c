/*
 * shelter.h — how a shelter's occupancy is drawn, shared by `shelter list`
 * and the watch board.
 */
#ifndef POSKO_CTL_SHELTER_H
#define POSKO_CTL_SHELTER_H

#include <jansson.h>
#include <stddef.h>

/* "room", "nearly full", "almost full", "full" or "closed" (translated). */
const char *shelter_word(const json_t *s);
/* The occupancy bar of a shelter object; dashes when it is closed. */
char *shelter_bar(char *buf, size_t len, const json_t *s, int width);

#endif
