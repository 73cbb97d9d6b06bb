/*
 * The least a node of this architecture must do, in C: the floor any clustered SSE broadcaster
 * (Chorus, Nchan, anyone) stands on, measured with the same load tool in the same topology.
 *
 *   gcc -O2 -pthread -o /tmp/minimal_node bench/minimal_node.c -lhiredis
 *   /tmp/minimal_node PORT REDIS_PORT [LOOPS]      # LOOPS defaults to the number of cores
 *
 * What it does, and nothing more:
 *   GET  /sub/SCOPE   answers 200 text/event-stream and keeps the connection as a stream of SCOPE
 *   POST /pub/SCOPE   runs one script in Redis that appends the event to a capped history stream
 *                     (XADD … MAXLEN ~ 10000: what replay after Last-Event-ID on any node needs;
 *                     Nchan keeps its messages in Redis too) and PUBLISHes "ID\nSCOPE\nBODY" on one
 *                     channel; answers 200 after Redis's reply (the publish outcome is known, as
 *                     with Chorus), keep-alive
 *   GET  /healthz     200
 * One thread holds a SUBSCRIBE connection; each message is framed once ("id: ID\ndata: BODY\n\n") and
 * handed to every loop (mutex-guarded queue + eventfd). LOOPS threads each own their connections
 * (SO_REUSEPORT, level-triggered epoll) and their own scope index (no locks), and write
 * everything a drain has for a socket in one write(2). Publishes are sent from the loop that read
 * them, blocking on its own Redis connection (no thread hop).
 *
 * What it leaves out is exactly what makes a product: auth, a replay endpoint, heartbeats,
 * presence, audiences, slow-client policy, limits, logs, metrics. It trusts its input (loopback,
 * the load tool): requests up to 16 kB, scopes without newlines. A socket that cannot take a write is closed (counted as loss
 * by the tool, never hidden). Loopback only; stops on SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHANNEL "minimal-node"
#define MAX_FD 70000
#define IN_CAP 16384
#define OUT_LIMIT (4 << 20)
#define SCOPE_BUCKETS (1 << 16)
#define MAX_LOOPS 16
/* KEYS: stream, channel. ARGV: "SCOPE\nBODY". Returns the event's id. */
#define PUBLISH_SCRIPT \
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'd', ARGV[1]) " \
    "redis.call('PUBLISH', KEYS[2], id .. '\\n' .. ARGV[1]) return id"

/* One framed event, shared by every loop that writes it; the last loop to finish frees it. */
typedef struct message {
    atomic_int references;
    char *scope;
    char *frame;
    size_t frame_len;
} message;

typedef struct scope_entry {
    char *name;
    int *fds, count, capacity;
    struct scope_entry *next;
} scope_entry;

typedef struct connection {
    int fd, in_len, stream_index;
    scope_entry *scope;          /* non-NULL once the connection is a stream */
    char in[IN_CAP];
    char *out; size_t out_len, out_cap;
    int dirty, want_out;
} connection;

typedef struct loop {
    int epoll, listener, wake;
    pthread_mutex_t lock;
    message **queue, **spare;    /* queued by the subscriber thread; the drain swaps the two */
    int queue_len, queue_cap, spare_cap;
    scope_entry *buckets[SCOPE_BUCKETS];
    redisContext *redis;
    int *dirty; int dirty_count;
} loop;

static int port, redis_port, loop_count;
static loop loops[MAX_LOOPS];
static connection *connections[MAX_FD];
static volatile sig_atomic_t stopping;
static char script_sha[41];

static uint32_t hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static scope_entry *scope_find(loop *l, const char *name, size_t n, int create) {
    uint32_t b = hash(name, n) & (SCOPE_BUCKETS - 1);
    for (scope_entry *e = l->buckets[b]; e; e = e->next)
        if (strlen(e->name) == n && memcmp(e->name, name, n) == 0) return e;
    if (!create) return NULL;
    scope_entry *e = calloc(1, sizeof *e);
    e->name = strndup(name, n);
    e->next = l->buckets[b];
    l->buckets[b] = e;
    return e;
}

static void close_connection(loop *l, connection *c) {
    if (c->scope) { /* swap-remove from the scope's list, O(1) */
        scope_entry *e = c->scope;
        int last = e->fds[--e->count];
        e->fds[c->stream_index] = last;
        connections[last]->stream_index = c->stream_index;
    }
    epoll_ctl(l->epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    connections[c->fd] = NULL;
    free(c->out);
    free(c);
}

/* Writes what is pending; returns -1 when the connection had to be closed. */
static int flush(loop *l, connection *c) {
    while (c->out_len > 0) {
        ssize_t n = write(c->fd, c->out, c->out_len);
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - n);
            c->out_len -= n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            if (c->out_len > OUT_LIMIT) { close_connection(l, c); return -1; }
            if (!c->want_out) {
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = c->fd};
                epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &ev);
                c->want_out = 1;
            }
            return 0;
        } else { close_connection(l, c); return -1; }
    }
    if (c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = c->fd};
        epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = 0;
    }
    return 0;
}

static void append(connection *c, const char *bytes, size_t n) {
    if (c->out_len + n > c->out_cap) {
        c->out_cap = (c->out_len + n) * 2;
        c->out = realloc(c->out, c->out_cap);
    }
    memcpy(c->out + c->out_len, bytes, n);
    c->out_len += n;
}

static void respond(connection *c, const char *status, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n\r\n%s", status, strlen(body), body);
    append(c, head, n);
}

/* Handles one complete request; returns 1 if the connection became a stream. */
static int handle(loop *l, connection *c, const char *method, const char *path, size_t path_len,
                  const char *body, size_t body_len) {
    if (strcmp(method, "GET") == 0 && path_len > 5 && memcmp(path, "/sub/", 5) == 0) {
        scope_entry *e = scope_find(l, path + 5, path_len - 5, 1);
        if (e->count == e->capacity) {
            e->capacity = e->capacity ? e->capacity * 2 : 16;
            e->fds = realloc(e->fds, e->capacity * sizeof *e->fds);
        }
        c->stream_index = e->count;
        e->fds[e->count++] = c->fd;
        c->scope = e;
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                   "Cache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n";
        append(c, head, sizeof head - 1);
        return 1;
    }
    if (strcmp(method, "POST") == 0 && path_len > 5 && memcmp(path, "/pub/", 5) == 0) {
        char payload[IN_CAP + 256];
        size_t scope_len = path_len - 5;
        memcpy(payload, path + 5, scope_len);
        payload[scope_len] = '\n';
        memcpy(payload + scope_len + 1, body, body_len);
        redisReply *reply = redisCommand(l->redis, "EVALSHA %s 2 " CHANNEL ":history " CHANNEL " %b",
                                         script_sha, payload, scope_len + 1 + body_len);
        int ok = reply && reply->type == REDIS_REPLY_STRING;
        if (reply) freeReplyObject(reply);
        respond(c, ok ? "200 OK" : "503 Service Unavailable", ok ? "" : "redis");
        return 0;
    }
    if (strcmp(method, "GET") == 0 && path_len == 8 && memcmp(path, "/healthz", 8) == 0) {
        respond(c, "200 OK", "ok");
        return 0;
    }
    respond(c, "404 Not Found", "");
    return 0;
}

/* Parses and handles every complete request in the input buffer (pipelining included). */
static void on_readable(loop *l, connection *c) {
    for (;;) {
        ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { close_connection(l, c); return; }
        if (n < 0) break;
        if (c->scope) { c->in_len = 0; continue; } /* a stream's input is ignored */
        c->in_len += n;
        size_t used = 0;
        for (;;) {
            char *start = c->in + used, *end = memmem(start, c->in_len - used, "\r\n\r\n", 4);
            if (!end) break;
            size_t head_len = end + 4 - start, body_len = 0;
            for (char *h = memchr(start, '\n', head_len); h && h < end; h = memchr(h + 1, '\n', end - h))
                if (strncasecmp(h + 1, "content-length:", 15) == 0) body_len = strtoul(h + 16, NULL, 10);
            if (used + head_len + body_len > (size_t)c->in_len) break;
            char method[8] = {0};
            char *space = memchr(start, ' ', head_len), *path = space + 1;
            char *path_end = space ? memchr(path, ' ', end - path) : NULL;
            if (!space || !path_end || space - start >= (long)sizeof method) { close_connection(l, c); return; }
            memcpy(method, start, space - start);
            int stream = handle(l, c, method, path, path_end - path, start + head_len, body_len);
            used += head_len + body_len;
            if (stream) { used = c->in_len; break; }
        }
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        if (c->in_len == IN_CAP) { close_connection(l, c); return; }
    }
    flush(l, c);
}

/* Takes everything the subscriber thread queued and writes it, one write per socket. */
static void drain(loop *l) {
    uint64_t count;
    if (read(l->wake, &count, sizeof count) < 0 && errno != EAGAIN) return;
    pthread_mutex_lock(&l->lock);
    message **taken = l->queue;
    int taken_len = l->queue_len, taken_cap = l->queue_cap;
    l->queue = l->spare; l->queue_cap = l->spare_cap; l->queue_len = 0;
    pthread_mutex_unlock(&l->lock);
    for (int k = 0; k < taken_len; k++) {
        message *m = taken[k];
        scope_entry *e = scope_find(l, m->scope, strlen(m->scope), 0);
        for (int i = 0; e && i < e->count; i++) {
            connection *c = connections[e->fds[i]];
            if (!c->dirty) { c->dirty = 1; l->dirty[l->dirty_count++] = c->fd; }
            append(c, m->frame, m->frame_len);
        }
        if (atomic_fetch_sub(&m->references, 1) == 1) { free(m->scope); free(m->frame); free(m); }
    }
    pthread_mutex_lock(&l->lock); /* the taken array is the next spare */
    l->spare = taken; l->spare_cap = taken_cap;
    pthread_mutex_unlock(&l->lock);
    for (int i = 0; i < l->dirty_count; i++) {
        connection *c = connections[l->dirty[i]];
        if (!c) continue;
        c->dirty = 0;
        flush(l, c);
    }
    l->dirty_count = 0;
}

static void *loop_main(void *arg) {
    loop *l = arg;
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(l->epoll, events, 256, 200);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == l->wake) { drain(l); continue; }
            if (fd == l->listener) {
                int client;
                while ((client = accept4(l->listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_FD) { close(client); continue; }
                    int one = 1;
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    connection *c = calloc(1, sizeof *c);
                    c->fd = client;
                    connections[client] = c;
                    struct epoll_event ev = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(l->epoll, EPOLL_CTL_ADD, client, &ev);
                }
                continue;
            }
            connection *c = connections[fd];
            if (!c) continue;
            if (events[i].events & (EPOLLERR | EPOLLHUP)) { close_connection(l, c); continue; }
            if (events[i].events & EPOLLOUT) { if (flush(l, c) < 0) continue; }
            if (events[i].events & EPOLLIN) on_readable(l, c);
        }
    }
    return NULL;
}

/* Hands every message on the channel to every loop, framed once. */
static void *subscriber_main(void *arg) {
    redisContext *redis = arg;
    while (!stopping) {
        redisReply *reply;
        if (redisGetReply(redis, (void **)&reply) != REDIS_OK) { fprintf(stderr, "subscriber: %s\n", redis->errstr); exit(1); }
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 && strcmp(reply->element[0]->str, "message") == 0) {
            const char *id = reply->element[2]->str, *end = id + reply->element[2]->len;
            const char *id_end = memchr(id, '\n', end - id);
            const char *scope = id_end ? id_end + 1 : NULL;
            const char *scope_end = scope ? memchr(scope, '\n', end - scope) : NULL;
            if (scope_end) {
                const char *data = scope_end + 1;
                size_t id_len = id_end - id, data_len = end - data;
                message *m = calloc(1, sizeof *m);
                m->scope = strndup(scope, scope_end - scope);
                m->frame = malloc(id_len + data_len + 13);
                memcpy(m->frame, "id: ", 4);
                memcpy(m->frame + 4, id, id_len);
                memcpy(m->frame + 4 + id_len, "\ndata: ", 7);
                memcpy(m->frame + 11 + id_len, data, data_len);
                memcpy(m->frame + 11 + id_len + data_len, "\n\n", 2);
                m->frame_len = id_len + data_len + 13;
                atomic_init(&m->references, loop_count);
                for (int i = 0; i < loop_count; i++) {
                    loop *l = &loops[i];
                    pthread_mutex_lock(&l->lock);
                    if (l->queue_len == l->queue_cap) {
                        l->queue_cap = l->queue_cap ? l->queue_cap * 2 : 256;
                        l->queue = realloc(l->queue, l->queue_cap * sizeof *l->queue);
                    }
                    l->queue[l->queue_len++] = m;
                    int first = l->queue_len == 1;
                    pthread_mutex_unlock(&l->lock);
                    uint64_t one = 1;
                    if (first && write(l->wake, &one, sizeof one) < 0) perror("eventfd");
                }
            }
        }
        freeReplyObject(reply);
    }
    return NULL;
}

static redisContext *connect_redis(void) {
    redisContext *redis = redisConnect("127.0.0.1", redis_port);
    if (!redis || redis->err) { fprintf(stderr, "redis: %s\n", redis ? redis->errstr : "no memory"); exit(1); }
    return redis;
}

static void on_signal(int signal) { (void)signal; stopping = 1; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s PORT REDIS_PORT [LOOPS]\n", argv[0]); return 2; }
    port = atoi(argv[1]);
    redis_port = atoi(argv[2]);
    loop_count = argc > 3 ? atoi(argv[3]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (loop_count < 1 || loop_count > MAX_LOOPS) loop_count = 2;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    pthread_t threads[MAX_LOOPS], subscriber;
    for (int i = 0; i < loop_count; i++) {
        loop *l = &loops[i];
        l->epoll = epoll_create1(0);
        l->wake = eventfd(0, EFD_NONBLOCK);
        l->dirty = malloc(MAX_FD * sizeof *l->dirty);
        l->redis = connect_redis();
        pthread_mutex_init(&l->lock, NULL);
        l->listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(l->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(l->listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (bind(l->listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(l->listener, 4096) < 0) { perror("listen"); return 1; }
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->listener};
        epoll_ctl(l->epoll, EPOLL_CTL_ADD, l->listener, &ev);
        ev.data.fd = l->wake;
        epoll_ctl(l->epoll, EPOLL_CTL_ADD, l->wake, &ev);
    }
    redisReply *loaded = redisCommand(loops[0].redis, "SCRIPT LOAD %s", PUBLISH_SCRIPT);
    if (!loaded || loaded->type != REDIS_REPLY_STRING || loaded->len != 40) { fprintf(stderr, "script load failed\n"); return 1; }
    memcpy(script_sha, loaded->str, 40);
    freeReplyObject(loaded);
    redisContext *sub = connect_redis();
    redisReply *reply = redisCommand(sub, "SUBSCRIBE " CHANNEL);
    if (!reply) { fprintf(stderr, "subscribe: %s\n", sub->errstr); return 1; }
    freeReplyObject(reply);
    for (int i = 0; i < loop_count; i++) pthread_create(&threads[i], NULL, loop_main, &loops[i]);
    pthread_create(&subscriber, NULL, subscriber_main, sub);
    for (int i = 0; i < loop_count; i++) pthread_join(threads[i], NULL);
    return 0; /* the subscriber thread blocks in Redis; exiting the process ends it */
}
