/* auparse_walk: the floor of any libauparse-based plugin. Reads stdin in
 * 64 KiB chunks (as audisp-imds does), feeds libauparse (AUSOURCE_FEED) and,
 * in the event callback, visits every record and every field of every event,
 * reading each field's name and raw value. It keeps and decides nothing: a
 * plugin that uses libauparse cannot do less work per event than this.
 *
 *   auparse_walk < load.log      prints "events=N records=N fields=N" to stderr
 */
#include <auparse.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct walk_counts {
	unsigned long long events, records, fields, value_bytes;
};

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *user_data)
{
	struct walk_counts *c = user_data;

	if (type != AUPARSE_CB_EVENT_READY)
		return;
	c->events++;
	if (auparse_first_record(au) <= 0)
		return;
	do {
		c->records++;
		if (auparse_first_field(au) <= 0)
			continue;
		do {
			const char *name = auparse_get_field_name(au);
			const char *value = auparse_get_field_str(au);

			c->fields++;
			/* Touch both so that nothing can be skipped. */
			if (name != NULL && value != NULL)
				c->value_bytes += (unsigned char)name[0] + strlen(value);
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);
}

int main(void)
{
	static char buf[64 * 1024];
	struct walk_counts counts = {0, 0, 0, 0};
	auparse_state_t *au = auparse_init(AUSOURCE_FEED, NULL);
	ssize_t n;

	if (au == NULL) {
		perror("auparse_walk: auparse_init");
		return 1;
	}
	auparse_add_callback(au, on_event, &counts, NULL);
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("auparse_walk: read");
			auparse_destroy(au);
			return 1;
		}
		auparse_feed(au, buf, (size_t)n);
	}
	auparse_flush_feed(au);
	auparse_destroy(au);
	fprintf(stderr, "events=%llu records=%llu fields=%llu\n", counts.events, counts.records,
		counts.fields);
	return 0;
}
