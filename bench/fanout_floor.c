/*
 * The kernel's floor for fan-out on this machine: what writing one small event to each of N
 * loopback TCP sockets costs, and the latency a reader on the same cores sees, with no server
 * framework, no HTTP, no Redis hop: only write(2), epoll and read(2).
 *
 *   gcc -O2 -pthread -o /tmp/fanout_floor bench/fanout_floor.c
 *   /tmp/fanout_floor SOCKETS WRITERS READERS RATE SECONDS [PAYLOAD] [EVENTS_PER_WRITE]
 *   /tmp/fanout_floor 1000 4 2 100 10        # s4's shape: 1,000 subscribers, 2 nodes x 2 loops,
 *                                             # a 2-thread reader, 100 events/s for 10 s
 *   /tmp/fanout_floor 1000 4 2 0 5           # as fast as the writers go (s1's shape, 1 event a write)
 *   /tmp/fanout_floor 1000 4 2 0 5 100 8     # ... 8 events per write (what coalescing buys)
 *
 * WRITERS threads each own SOCKETS/WRITERS sockets (like a node's event loops) and, per event,
 * write the frame to each of them (EVENTS_PER_WRITE frames in one write); READERS threads read the
 * other ends with epoll (like chorus-bench's loops) and record, per delivery, receive time minus
 * the send stamp in the frame. RATE 0 means back to back. Prints write cost per socket (wall time
 * of each writer's pass / its sockets), deliveries/s and latency p50/p90/p99/max. Loopback only;
 * bounded by SECONDS.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int sockets, writers, readers, payload = 100, per_write = 1;
static double rate, seconds;
static int *server_fds, *client_fds;
static atomic_int stop_flag;
static atomic_long deliveries;
static uint64_t start_ns;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

#define MAX_SAMPLES 4000000
typedef struct { uint32_t *lat_us; long count; } reader_out;
typedef struct { double pass_us_sum; long passes; } writer_out;

static void *writer_main(void *arg) {
    long index = (long)arg;
    writer_out *out = calloc(1, sizeof *out);
    int first = sockets * index / writers, last = sockets * (index + 1) / writers;
    char frame[4096];
    uint64_t deadline = start_ns + (uint64_t)(seconds * 1e9);
    for (long event = 0;; event++) {
        uint64_t due = rate > 0 ? start_ns + (uint64_t)(event * 1e9 / rate) : 0;
        uint64_t now = now_ns();
        if (now >= deadline) break;
        if (due > now) {
            struct timespec t = {(time_t)((due - now) / 1000000000ull), (long)((due - now) % 1000000000ull)};
            nanosleep(&t, NULL);
        }
        uint64_t stamp = rate > 0 ? due : now_ns();
        int length = 0;
        for (int k = 0; k < per_write; k++) {
            int n = snprintf(frame + length, sizeof frame - length, "data: %llu ", (unsigned long long)stamp);
            int pad = payload > n ? payload - n - 2 : 0;
            memset(frame + length + n, 'x', pad);
            frame[length + n + pad] = '\n';
            frame[length + n + pad + 1] = '\n';
            length += n + pad + 2;
        }
        uint64_t began = now_ns();
        for (int s = first; s < last; s++) {
            if (write(server_fds[s], frame, length) < 0 && errno != EAGAIN) { perror("write"); exit(1); }
        }
        out->pass_us_sum += (now_ns() - began) / 1000.0 / (last - first);
        out->passes++;
    }
    return out;
}

static void *reader_main(void *arg) {
    long index = (long)arg;
    reader_out *out = calloc(1, sizeof *out);
    out->lat_us = malloc(sizeof(uint32_t) * MAX_SAMPLES);
    int ep = epoll_create1(0);
    for (int s = sockets * index / readers; s < sockets * (index + 1) / readers; s++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = client_fds[s]};
        epoll_ctl(ep, EPOLL_CTL_ADD, client_fds[s], &ev);
    }
    struct epoll_event events[256];
    char buffer[65536];
    while (!atomic_load(&stop_flag)) {
        int n = epoll_wait(ep, events, 256, 50);
        for (int i = 0; i < n; i++) {
            ssize_t got = read(events[i].data.fd, buffer, sizeof buffer - 1);
            if (got <= 0) continue;
            uint64_t received = now_ns();
            buffer[got] = 0;
            for (char *p = buffer; (p = strstr(p, "data: ")) != NULL; p += 6) {
                uint64_t stamp = strtoull(p + 6, NULL, 10);
                if (out->count < MAX_SAMPLES) out->lat_us[out->count++] = (uint32_t)((received - stamp) / 1000);
            }
        }
    }
    return out;
}

static int compare(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s SOCKETS WRITERS READERS RATE SECONDS [PAYLOAD] [EVENTS_PER_WRITE]\n", argv[0]); return 2; }
    sockets = atoi(argv[1]); writers = atoi(argv[2]); readers = atoi(argv[3]);
    rate = atof(argv[4]); seconds = atof(argv[5]);
    if (argc > 6) payload = atoi(argv[6]);
    if (argc > 7) per_write = atoi(argv[7]);
    if (seconds > 120) seconds = 120;
    struct rlimit limit = {65536, 65536};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) { getrlimit(RLIMIT_NOFILE, &limit); limit.rlim_cur = limit.rlim_max; setrlimit(RLIMIT_NOFILE, &limit); }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t size = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, size) || listen(listener, 4096)) { perror("listen"); return 1; }
    getsockname(listener, (struct sockaddr *)&address, &size);
    server_fds = calloc(sockets, sizeof(int));
    client_fds = calloc(sockets, sizeof(int));
    int one = 1;
    for (int s = 0; s < sockets; s++) {
        client_fds[s] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        setsockopt(client_fds[s], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        connect(client_fds[s], (struct sockaddr *)&address, size);
        server_fds[s] = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (server_fds[s] < 0) { perror("accept"); return 1; }
        setsockopt(server_fds[s], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    pthread_t wthreads[64], rthreads[64];
    start_ns = now_ns() + 100000000ull;
    for (long r = 0; r < readers; r++) pthread_create(&rthreads[r], NULL, reader_main, (void *)r);
    for (long w = 0; w < writers; w++) pthread_create(&wthreads[w], NULL, writer_main, (void *)w);
    double pass_us = 0; long passes = 0;
    for (int w = 0; w < writers; w++) {
        writer_out *out; pthread_join(wthreads[w], (void **)&out);
        pass_us += out->pass_us_sum; passes += out->passes;
    }
    usleep(300000);
    atomic_store(&stop_flag, 1);
    long total = 0;
    uint32_t *all = malloc(sizeof(uint32_t) * MAX_SAMPLES * (size_t)readers);
    for (int r = 0; r < readers; r++) {
        reader_out *out; pthread_join(rthreads[r], (void **)&out);
        memcpy(all + total, out->lat_us, sizeof(uint32_t) * out->count);
        total += out->count;
    }
    qsort(all, total, sizeof(uint32_t), compare);
    double wall = seconds;
    printf("sockets=%d writers=%d readers=%d rate=%s payload=%d events_per_write=%d: write %.2f us per socket (wall, per pass), "
           "%ld deliveries, %.0f deliveries/s, latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
           sockets, writers, readers, rate > 0 ? argv[4] : "max", payload, per_write, passes ? pass_us / passes : 0,
           total, total / wall,
           total ? all[total / 2] / 1000.0 : 0, total ? all[(long)(total * 0.9)] / 1000.0 : 0,
           total ? all[(long)(total * 0.99)] / 1000.0 : 0, total ? all[total - 1] / 1000.0 : 0);
    return 0;
}
