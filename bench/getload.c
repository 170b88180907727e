/*
 * A lean SNMPv2c GET load client for the benchmark, so that the client is not what is measured:
 * one UDP socket, N requests in flight, the GET encoded once and only its request-id patched per
 * send. Every answer is checked (request-id in flight, error-status 0, no exception value).
 *
 *   getload PORT OID IN_FLIGHT COUNT [COMMUNITY]
 *
 * Prints one JSON line: {"gets":N,"errors":E,"lost":L,"secs":S,"cpuUs":U} (cpuUs: its own CPU).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t put_len(unsigned char *p, size_t n) {
  if (n < 128) { p[0] = (unsigned char)n; return 1; }
  p[0] = 0x82; p[1] = (unsigned char)(n >> 8); p[2] = (unsigned char)n; return 3;
}

/* Wraps body[0..n) in tag+length, written at out; returns the total length. */
static size_t wrap(unsigned char *out, unsigned char tag, const unsigned char *body, size_t n) {
  size_t h = 1; out[0] = tag; h += put_len(out + 1, n);
  memmove(out + h, body, n); return h + n;
}

static size_t encode_oid(unsigned char *out, const char *text) {
  unsigned long arcs[128] = { 0 }; size_t k = 0; const char *s = text;
  if (*s == '.') s++;
  while (*s && k < 128) { arcs[k++] = strtoul(s, (char **)&s, 10); if (*s == '.') s++; }
  unsigned char body[512]; size_t n = 0;
  body[n++] = (unsigned char)(arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < k; i++) {
    unsigned char tmp[10]; int t = 0; unsigned long v = arcs[i];
    do { tmp[t++] = v & 0x7f; v >>= 7; } while (v);
    while (t--) body[n++] = tmp[t] | (t ? 0x80 : 0);
  }
  return wrap(out, 0x06, body, n);
}

static size_t reqid_at; /* offset of the 4 request-id bytes in the packet */

static size_t encode_get(unsigned char *out, const char *oid, const char *community) {
  unsigned char vb[600], vbl[600], pdu[700], msg[800], tmp[800]; size_t n, m;
  n = encode_oid(tmp, oid); tmp[n++] = 0x05; tmp[n++] = 0x00;
  n = wrap(vb, 0x30, tmp, n);
  n = wrap(vbl, 0x30, vb, n);
  /* request-id as a fixed 4-byte INTEGER so it can be patched in place */
  unsigned char head[12] = { 0x02, 0x04, 0, 0, 0, 1, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00 };
  memcpy(tmp, head, 12); memcpy(tmp + 12, vbl, n);
  m = wrap(pdu, 0xa0, tmp, 12 + n);
  size_t pdu_hdr = m - (12 + n);
  size_t cl = strlen(community); n = 0;
  tmp[n++] = 0x02; tmp[n++] = 0x01; tmp[n++] = 0x01;
  tmp[n++] = 0x04; tmp[n++] = (unsigned char)cl; memcpy(tmp + n, community, cl); n += cl;
  size_t before_pdu = n;
  memcpy(tmp + n, pdu, m); n += m;
  size_t total = wrap(msg, 0x30, tmp, n);
  size_t msg_hdr = total - n;
  reqid_at = msg_hdr + before_pdu + pdu_hdr + 2;
  memcpy(out, msg, total);
  return total;
}

static int get_len(const unsigned char *p, size_t avail, size_t *len, size_t *hdr) {
  if (avail < 2) return -1;
  if (p[1] < 128) { *len = p[1]; *hdr = 2; return 0; }
  int k = p[1] & 0x7f; if (k > 3 || avail < (size_t)(2 + k)) return -1;
  size_t v = 0; for (int i = 0; i < k; i++) v = (v << 8) | p[2 + i];
  *len = v; *hdr = 2 + k; return 0;
}

/* Parses a response: its request-id, and whether it carries an error. 0 on success. */
static int parse_response(const unsigned char *p, size_t n, long *reqid, int *bad) {
  size_t len, hdr, off = 0;
  if (get_len(p, n, &len, &hdr) || p[0] != 0x30) return -1; off += hdr;                /* message */
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr + len;               /* version */
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr + len;               /* community */
  if (off >= n || p[off] != 0xa2 || get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr;
  if (get_len(p + off, n - off, &len, &hdr) || len > 4) return -1;                     /* request-id */
  long v = (p[off + hdr] & 0x80) ? -1 : 0; for (size_t i = 0; i < len; i++) v = (v << 8) | p[off + hdr + i];
  *reqid = v; off += hdr + len;
  if (get_len(p + off, n - off, &len, &hdr)) return -1;                                 /* error-status */
  *bad = p[off + hdr] != 0; off += hdr + len;
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr + len;               /* error-index */
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr;                     /* varbind list */
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr;                     /* varbind */
  if (get_len(p + off, n - off, &len, &hdr)) return -1; off += hdr + len;               /* name */
  if (off >= n) return -1;
  if (p[off] >= 0x80 && p[off] <= 0x82) *bad = 1;                                       /* noSuch*, endOfMibView */
  return 0;
}

static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: getload PORT OID IN_FLIGHT COUNT [COMMUNITY]\n"); return 2; }
  int port = atoi(argv[1]); const char *oid = argv[2]; int inflight = atoi(argv[3]); long count = atol(argv[4]);
  const char *community = argc > 5 ? argv[5] : "public";
  unsigned char pkt[1024]; size_t plen = encode_get(pkt, oid, community);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int rcvbuf = 1 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
  long next_id = 1, sent = 0, done = 0, errors = 0, lost = 0, outstanding = 0;
  long lowest = 1; /* answers below this request-id are stale (already counted lost) */
  unsigned char buf[2048];
  double t0 = now_s();
  struct rusage r0; getrusage(RUSAGE_SELF, &r0);
  #define SEND() do { long id = next_id++; pkt[reqid_at] = (unsigned char)(id >> 24); pkt[reqid_at + 1] = (unsigned char)(id >> 16); \
    pkt[reqid_at + 2] = (unsigned char)(id >> 8); pkt[reqid_at + 3] = (unsigned char)id; \
    if (send(fd, pkt, plen, 0) < 0) { perror("send"); return 1; } sent++; outstanding++; } while (0)
  for (int i = 0; i < inflight && sent < count; i++) SEND();
  struct pollfd pf = { .fd = fd, .events = POLLIN };
  while (done + lost < count) {
    int pr = poll(&pf, 1, 500);
    if (pr == 0) { /* everything in flight is lost: count it, start again */
      lost += outstanding; outstanding = 0; lowest = next_id;
      for (int i = 0; i < inflight && sent < count; i++) SEND();
      if (outstanding == 0) break;
      continue;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    long id; int bad = 0;
    if (parse_response(buf, (size_t)n, &id, &bad)) { errors++; continue; }
    if (id < lowest || id >= next_id) continue;
    outstanding--; done++;
    if (bad) errors++;
    if (sent < count) SEND();
  }
  double secs = now_s() - t0;
  struct rusage r1; getrusage(RUSAGE_SELF, &r1);
  double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 +
               (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
  printf("{\"gets\":%ld,\"errors\":%ld,\"lost\":%ld,\"secs\":%.6f,\"cpuUs\":%.0f}\n", done, errors, lost, secs, cpu);
  return 0;
}
