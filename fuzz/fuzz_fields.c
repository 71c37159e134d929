/* libFuzzer target over the two readers of text no one vouches for, outside the CSV: a date cell
 * (cci_date_parse, with every order and an offset) and a Data Import answer from the network
 * (cci_batch_read_answer and cci_batch_user_held).
 *
 * Input: one byte choosing what is read (bit 0: date or answer; bits 1-2: the date order; the
 * rest: the offset in quarter hours), then the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "send/batch.h"
#include "cci/rules/dates.h"

static const cci_batch_user users[] = {
    {.uid = "ana", .create_body = "{\"name\":\"Ana\",\"uid\":\"ana\"}", .created_at = 1614834367},
    {.uid = "bo", .create_body = "{\"name\":\"Bo\",\"tags\":[\"x\"],\"uid\":\"bo\"}", .last_active_at = 1641092645},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        cci_batch_answer answers[2];
        cci_batch_read_answer(text, len, users, 2, answers);
        for (int i = 0; i < 2; i++)
            if (answers[i].result > CCI_BATCH_REFUSED || !memchr(answers[i].message, '\0', sizeof answers[i].message))
                abort();
        cci_batch_user_held(&users[data[0] & 2 ? 1 : 0], text, len);
        return 0;
    }
    cci_date_rules rules = {.order = (cci_date_order)((data[0] >> 1) % 3),
                            .offset_seconds = ((int)(data[0] >> 3) - 16) * 900, .now = 1795000000};
    int64_t seconds = 0;
    char why[512];
    if (cci_date_parse(text, len, &rules, &seconds, why, sizeof why)) {
        /* whatever is accepted is a moment between 1970 and now */
        if (seconds < 0 || seconds > rules.now) abort();
    } else if (!memchr(why, '\0', sizeof why) || !why[0]) {
        abort(); /* a refusal always says why */
    }
    return 0;
}
