#include "sbx_listing.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>

const char *sbx_listing_fault_name(sbx_listing_fault fault)
{
    static const char *const names[] = {"none", "short-page", "empty-page", "shift", "growing-total",
                                        "no-pagination"};
    return fault < SBX_LISTING_FAULT_COUNT ? names[fault] : NULL;
}

unsigned sbx_listing_skip(sbx_listing_fault fault, unsigned page)
{
    return fault == SBX_LISTING_FAULT_SHIFT && page >= 2 ? SBX_LISTING_SHIFT : 0;
}

char *sbx_listing_misbehave(sbx_listing_fault fault, unsigned page, char *answer)
{
    cJSON *root = cJSON_Parse(answer);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    cJSON *pagination = cJSON_GetObjectItemCaseSensitive(meta, "pagination");
    cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *pages = cJSON_GetObjectItemCaseSensitive(pagination, "total_pages");
    cJSON *total = cJSON_GetObjectItemCaseSensitive(pagination, "total");
    bool middle = page == 2 && cJSON_IsNumber(pages) && pages->valuedouble >= 3;
    if (!root || !cJSON_IsArray(data)) {
        cJSON_Delete(root);
        return answer;
    }
    if (fault == SBX_LISTING_FAULT_SHORT_PAGE && middle) {
        for (int keep = cJSON_GetArraySize(data) / 2; cJSON_GetArraySize(data) > keep;)
            cJSON_DeleteItemFromArray(data, keep);
    } else if (fault == SBX_LISTING_FAULT_EMPTY_PAGE && middle) {
        while (cJSON_GetArraySize(data) > 0) cJSON_DeleteItemFromArray(data, 0);
    } else if (fault == SBX_LISTING_FAULT_GROWING_TOTAL && cJSON_IsNumber(total)) {
        cJSON_SetNumberValue(total, total->valuedouble + 10.0 * (page - 1));
    }
    cJSON *count = cJSON_GetObjectItemCaseSensitive(pagination, "count");
    if (cJSON_IsNumber(count)) cJSON_SetNumberValue(count, cJSON_GetArraySize(data));
    if (fault == SBX_LISTING_FAULT_NO_PAGINATION) cJSON_DeleteItemFromObjectCaseSensitive(root, "meta");
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return answer;
    free(answer);
    return text;
}
