// The float-heavy workload of runtime_bench: the n-body simulation of five
// planets (double precision: additions, multiplications, divisions and a
// square root per pair of bodies), written for this benchmark after the
// classic formulation. Compiled twice from this one file: natively with
// clang -O2 (linked into runtime_bench) and to wasm32 for govchain's engine.
// IEEE 754 arithmetic is exact in both builds (no fused multiply-add on
// either target), so runtime_bench compares the results bit for bit.
#include <stdint.h>

#if defined(__wasm__)
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
#else
#define BENCH_EXPORT(name)
#endif

enum { body_count = 5 };

static const double solar_mass = 4 * 3.141592653589793 * 3.141592653589793;  // 4 pi^2
static const double days_per_year = 365.24;

struct body {
  double x, y, z, vx, vy, vz, mass;
};

static struct body bodies[body_count];

static void set_body(int index, double x, double y, double z, double vx, double vy, double vz, double mass) {
  struct body* b = &bodies[index];
  b->x = x, b->y = y, b->z = z;
  b->vx = vx * days_per_year, b->vy = vy * days_per_year, b->vz = vz * days_per_year;
  b->mass = mass * solar_mass;
}

// The Sun and the four giant planets; the Sun's velocity offsets the
// system's momentum.
static void initialize(void) {
  set_body(0, 0, 0, 0, 0, 0, 0, 1);
  set_body(1, 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03,
           7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04);
  set_body(2, 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03,
           4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04);
  set_body(3, 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03,
           2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05);
  set_body(4, 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03,
           1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05);
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < body_count; ++i) {
    px += bodies[i].vx * bodies[i].mass;
    py += bodies[i].vy * bodies[i].mass;
    pz += bodies[i].vz * bodies[i].mass;
  }
  bodies[0].vx = -px / solar_mass;
  bodies[0].vy = -py / solar_mass;
  bodies[0].vz = -pz / solar_mass;
}

static void advance(double dt) {
  for (int i = 0; i < body_count; ++i) {
    struct body* a = &bodies[i];
    for (int j = i + 1; j < body_count; ++j) {
      struct body* b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      double distance_squared = dx * dx + dy * dy + dz * dz;
      double distance = __builtin_sqrt(distance_squared);
      double magnitude = dt / (distance_squared * distance);
      a->vx -= dx * b->mass * magnitude, a->vy -= dy * b->mass * magnitude, a->vz -= dz * b->mass * magnitude;
      b->vx += dx * a->mass * magnitude, b->vy += dy * a->mass * magnitude, b->vz += dz * a->mass * magnitude;
    }
  }
  for (int i = 0; i < body_count; ++i) {
    struct body* b = &bodies[i];
    b->x += dt * b->vx, b->y += dt * b->vy, b->z += dt * b->vz;
  }
}

static double energy(void) {
  double total = 0;
  for (int i = 0; i < body_count; ++i) {
    const struct body* a = &bodies[i];
    total += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
    for (int j = i + 1; j < body_count; ++j) {
      const struct body* b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      total -= a->mass * b->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return total;
}

// Simulates `steps` steps of 0.01 days from the initial state; returns the
// system's energy at the end (its bits are the result compared).
BENCH_EXPORT(bench_nbody) double bench_nbody(uint32_t steps) {
  initialize();
  for (uint32_t step = 0; step < steps; ++step) advance(0.01);
  return energy();
}
