/* gen_rng: the scenario generator's random numbers.
 *
 * xoshiro256** seeded through splitmix64 (Blackman and Vigna, "Scrambled
 * linear pseudorandom number generators", 2018; both are public-domain
 * reference algorithms, written here from their published definitions).
 * The C library's rand() is not used: its sequence differs between libcs,
 * and the scenario must be byte-identical for a given seed everywhere.
 */
#ifndef GEN_RNG_H
#define GEN_RNG_H

#include <stdint.h>

struct gen_rng {
	uint64_t s[4];
};

/* Seed a stream.  `stream` separates independent streams of one seed (one
 * per generator stage), so that changing how many numbers one stage draws
 * does not shift the numbers of the next stage. */
void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform double in [0, 1), 53 random bits. */
double gen_rng_unit(struct gen_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n);
/* 1 with probability p. */
int gen_rng_bernoulli(struct gen_rng *r, double p);

#endif
