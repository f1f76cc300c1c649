/*
 * Quintile scores and the RFM segment grid, shared by jsegment's presets
 * and kept apart from it so that their edges and ties are unit-tested.
 */
#ifndef JOURNEY_RANK_H
#define JOURNEY_RANK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Score items 1 to 5 by quintile of key[i], for i in [0, n) where use is
 * NULL or use[i] is non-zero: with the m used items in ascending key
 * order, the item at 0-based position i scores 1 + floor(5 * j / m),
 * where j is the position of the first item with the same key, so tied
 * items share the lower score.  score[i * stride] receives the score (a
 * byte stride lets the scores live inside larger records); unused items
 * are left alone.  Cannot fail.
 */
void jn_quintiles(const double *key, size_t n, const uint8_t *use,
    uint8_t *score, size_t stride);

/*
 * The named RFM segment of recency score r and frequency score f (each
 * 1-5), from the grid in jsegment(1).  Returns a static string.
 */
const char *jn_rfm_segment(int r, int f);

#endif
