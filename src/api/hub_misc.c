/* SPDX-License-Identifier: MIT
 * Hub resources that are not plain CRM objects: owners, pipelines,
 * activities (engagements), timeline event types, object metadata. */
#include "api/hub.h"

const struct hub_resource hub_misc_resources[] = {
    {NULL, NULL},
};
