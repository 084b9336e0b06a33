/* A 32-bit (i386) IMDS client for the recorded captures: built by
 * record-captures.sh with `gcc -m32 -static`, so that the audit stream holds
 * i386 events: a connect made through socketcall(SYS_CONNECT) (syscall 102,
 * a0=3), an execve made by a 32-bit process (syscall 11) and a connect made
 * through the direct i386 connect syscall (362).
 *
 *   imds_i386_fetch MODE IP [NEXT_MODE]
 *
 * MODE is "socketcall" or "connect": how to connect to IP port 80. It sends
 * one HTTP/1.0 GET of /latest/meta-data/ and prints the answer. With
 * NEXT_MODE it then execs itself (argv[0]) as `argv[0] NEXT_MODE IP`.
 * Only meant to run inside the test network namespace. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__i386__)
#error "build with gcc -m32: this program exists to make i386 syscalls"
#endif

enum { kSocketcallConnect = 3 }; /* SYS_CONNECT in <linux/net.h> */

static int connect_by(const char *mode, int fd, const struct sockaddr_in *sa) {
  if (strcmp(mode, "socketcall") == 0) {
    unsigned long args[3] = {(unsigned long)fd, (unsigned long)sa, sizeof *sa};
    return (int)syscall(SYS_socketcall, kSocketcallConnect, args);
  }
  if (strcmp(mode, "connect") == 0) {
    return (int)syscall(SYS_connect, fd, sa, sizeof *sa);
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s socketcall|connect IP [NEXT_MODE]\n", argv[0]);
    return 2;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(80);
  if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", argv[2]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect_by(argv[1], fd, &sa) != 0) {
    perror("connect");
    return 1;
  }
  static const char kRequest[] = "GET /latest/meta-data/ HTTP/1.0\r\n\r\n";
  if (write(fd, kRequest, sizeof kRequest - 1) < 0) perror("write");
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  close(fd);
  fflush(stdout);
  if (argc > 3) {
    char *next[] = {argv[0], argv[3], argv[2], NULL};
    execv(argv[0], next);
    perror("execv");
    return 1;
  }
  return 0;
}
