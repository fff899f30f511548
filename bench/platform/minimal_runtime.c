/*===- bench/platform/minimal_runtime.c - The smallest Lambda custom runtime
 *===*
 *
 * A no-op Lambda custom runtime in plain C with blocking sockets: GET /next,
 * POST "null" as the response, forever. It starts in well under a
 * millisecond, so a cold start through `fusionize run` with it measures the
 * platform's own spawn-to-ready cost rather than a runtime's start-up.
 *
 *===----------------------------------------------------------------------===*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int Fd = -1;
static char Buf[1 << 16];

static int sendAll(const char *P, size_t N) {
  while (N) {
    ssize_t W = write(Fd, P, N);
    if (W <= 0)
      return -1;
    P += W;
    N -= (size_t)W;
  }
  return 0;
}

/* Reads one response; copies the request id header into Id (if non-null). */
static int readResponse(char *Id, size_t IdSize) {
  size_t Have = 0;
  char *End = NULL;
  while (!(End = strstr(Buf, "\r\n\r\n"))) {
    ssize_t R = read(Fd, Buf + Have, sizeof Buf - 1 - Have);
    if (R <= 0)
      return -1;
    Have += (size_t)R;
    Buf[Have] = 0;
  }
  size_t HeaderLen = (size_t)(End + 4 - Buf);
  long Length = 0;
  for (char *L = strstr(Buf, "\r\n") + 2; L < End; L = strstr(L, "\r\n") + 2) {
    if (!strncasecmp(L, "Content-Length:", 15))
      Length = strtol(L + 15, NULL, 10);
    if (Id && !strncasecmp(L, "Lambda-Runtime-Aws-Request-Id:", 30)) {
      char *V = L + 30;
      while (*V == ' ')
        ++V;
      size_t N = strcspn(V, "\r");
      if (N >= IdSize)
        N = IdSize - 1;
      memcpy(Id, V, N);
      Id[N] = 0;
    }
  }
  long Body = (long)(Have - HeaderLen);
  while (Body < Length) {
    ssize_t R = read(Fd, Buf, sizeof Buf);
    if (R <= 0)
      return -1;
    Body += R;
  }
  Buf[0] = 0;
  return 0;
}

int main(void) {
  const char *Api = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!Api)
    return 2;
  const char *Colon = strrchr(Api, ':');
  struct sockaddr_in A;
  memset(&A, 0, sizeof A);
  A.sin_family = AF_INET;
  A.sin_port = htons((unsigned short)atoi(Colon + 1));
  A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Fd = socket(AF_INET, SOCK_STREAM, 0);
  int One = 1;
  setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof One);
  if (connect(Fd, (struct sockaddr *)&A, sizeof A) != 0)
    return 1;
  static const char Next[] =
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: r\r\n\r\n";
  char Id[128], Req[512];
  for (;;) {
    Buf[0] = 0;
    if (sendAll(Next, sizeof Next - 1) || readResponse(Id, sizeof Id))
      return 0;
    int N = snprintf(Req, sizeof Req,
                     "POST /2018-06-01/runtime/invocation/%s/response "
                     "HTTP/1.1\r\nHost: r\r\nContent-Length: 4\r\n\r\nnull",
                     Id);
    if (sendAll(Req, (size_t)N) || readResponse(NULL, 0))
      return 0;
  }
}
