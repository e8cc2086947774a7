/* SPDX-License-Identifier: MIT
 * The operations API documents list, per resource (see resources.h): what
 * the src/hub/ resources and the bulk routes (src/api/api_bulk.c, api_bulkloader.c)
 * answer, and nothing they do not. A resource of the hub's tables with no
 * row here is left out of the documents; a row whose calls the hub does
 * not answer is caught by tests/integration/test_apidocs.py (Coverage),
 * which calls every documented operation through real instances. */
#include "apidocs/resources.h"

#include <string.h>

#define END                                                                    \
    {                                                                          \
        NULL, NULL, X_GET, 0, NULL, NULL, NULL, NULL                           \
    }

/* --- shared op tables -------------------------------------------------------- */

/* CRM objects (hub_crm.c): CEQL lists, PATCH and PUT both update */
static const struct doc_op crm_cruds[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, "fields"},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"PUT", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    END};

static const struct doc_op crm_batch[] = {
    {"POST", "/batch/create", X_CREATE, 0, "Create up to 100 records",
     "BatchResult", "BatchInput", NULL},
    {"POST", "/batch/upsert", X_CREATE, 0,
     "Create or update up to 100 records by idProperty", "BatchResult",
     "BatchInput", NULL},
    {"POST", "/batch/update", X_CREATE, 0, "Update up to 100 records",
     "BatchResult", "BatchInput", NULL},
    END};

/* hub_activities.c: a record's engagements */
static const struct doc_op record_activities[] = {{"GET", "/{id}/activities",
                                                   X_LIST, 0,
                                                   "Activities of the record",
                                                   "Activities", NULL, NULL},
                                                  END};

/* hub_properties.c */
static const struct doc_op props_ops[] = {
    {"GET", "/properties", X_ARRAY, 0, "The object's properties", "Property",
     NULL, NULL},
    {"POST", "/properties", X_CREATE, 0, "Create a property", "Property",
     "PropertyInput", NULL},
    {"GET", "/properties/{name}", X_GET, 0, "One property", "Property", NULL,
     NULL},
    {"PATCH", "/properties/{name}", X_UPDATE, 0, "Update a property",
     "Property", "PropertyUpdate", NULL},
    {"PUT", "/properties/{name}", X_UPDATE, 0, "Update a property", "Property",
     "PropertyUpdate", NULL},
    {"DELETE", "/properties/{name}", X_DELETE, 0, "Delete a property", NULL,
     NULL, NULL},
    {"GET", "/propertygroups", X_ARRAY, 0, "The object's property groups",
     "PropertyGroup", NULL, NULL},
    {"POST", "/propertygroups", X_CREATE, 0, "Create a property group",
     "PropertyGroup", "PropertyGroupInput", NULL},
    {"GET", "/propertygroups/{name}", X_GET, 0, "One property group",
     "PropertyGroup", NULL, NULL},
    {"PATCH", "/propertygroups/{name}", X_UPDATE, 0, "Update a property group",
     "PropertyGroup", "PropertyGroupUpdate", NULL},
    {"PUT", "/propertygroups/{name}", X_UPDATE, 0, "Update a property group",
     "PropertyGroup", "PropertyGroupUpdate", NULL},
    {"DELETE", "/propertygroups/{name}", X_DELETE, 0, "Delete a property group",
     NULL, NULL, NULL},
    END};

/* --- one resource's tables ------------------------------------------------------ */

static const struct doc_op activities_ops[] = {
    {"GET", "", X_LIST, 0, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"PUT", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    END};

static const struct doc_op owners_ops[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    END};

/* pipelines, timeline event types: CRUDS, PATCH and PUT */
static const struct doc_op cruds_put[] = {
    {"GET", "", X_LIST, 0, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"PUT", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    END};

static const struct doc_op timeline_ops[] = {
    {"GET", "/{id}/properties", X_ARRAY, 0, "Properties (tokens) of the type",
     "", NULL, NULL},
    {"POST", "/{id}/properties", X_CREATE, 0, "Add a property", "", "", NULL},
    {"PATCH", "/{id}/properties/{name}", X_UPDATE, 0, "Update a property", "",
     "", NULL},
    {"PUT", "/{id}/properties/{name}", X_UPDATE, 0, "Replace a property", "",
     "", NULL},
    {"DELETE", "/{id}/properties/{name}", X_DELETE, 0, "Delete a property",
     NULL, NULL, NULL},
    {"POST", "/{id}/events", X_CREATE, 0, "Create an event", "", "", NULL},
    {"GET", "/{id}/events/{eventId}", X_GET, 0, "One event", "", NULL, NULL},
    END};

static const struct doc_op objects_ops[] = {
    {"GET", "", X_GET, 0, "The object catalogue (expand=true: with fields)", "",
     NULL, "expand"},
    {"GET", "/{objectName}/metadata", X_GET, 0,
     "Fields of an object: type, filterable, createable, updateable", "", NULL,
     NULL},
    END};

static const struct doc_op ping_ops[] = {{"GET", "", X_GET, 0,
                                          "Check the instance", "", NULL, NULL},
                                         END};

/* hub_lists.c: lists (where on name) and membership */
static const struct doc_op lists_ops[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"PUT", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}/contacts", X_LIST, 0, "The list's contacts", "Contacts",
     NULL, "fields"},
    {"POST", "/{id}/contacts", X_CREATE, 0,
     "Add contacts (by vid, or by email) to a static list", "",
     "ListMembersInput", NULL},
    END};

/* hub_campaigns.c: search and read; activities are email events */
static const struct doc_op campaigns_ops[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}/activities", X_LIST, F_WHERE,
     "Email events of an email campaign (where appId = '...' required)",
     "CampaignActivity", NULL, NULL},
    {"GET", "/{id}/activities/{activityId}", X_GET, 0,
     "One email event (created: its time, epoch ms)", "CampaignActivity", NULL,
     "created!"},
    END};

/* hub_workflows.c: create, read, delete, search */
static const struct doc_op workflows_ops[] = {
    {"GET", "", X_LIST, 0, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    END};

/* hub_files.c */
static const struct doc_op files_ops[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, F_MULTIPART,
     "Upload a file (multipart/form-data, part \"file\")", NULL, NULL,
     "path,access,overwrite"},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}/archive", X_GET, 0, "Archive a file", "", NULL, NULL},
    {"DELETE", "/cdn/files/{id}", X_GET, 0,
     "Purge a file from the CDN (always 200)", "", NULL, NULL},
    END};

/* folders, marketing emails (hub_files.c, hub_marketing.c) */
static const struct doc_op cruds_patch[] = {
    {"GET", "", X_LIST, F_WHERE, NULL, NULL, NULL, NULL},
    {"POST", "", X_CREATE, 0, NULL, NULL, NULL, NULL},
    {"GET", "/{id}", X_GET, 0, NULL, NULL, NULL, NULL},
    {"PATCH", "/{id}", X_UPDATE, 0, NULL, NULL, NULL, NULL},
    {"DELETE", "/{id}", X_DELETE, 0, NULL, NULL, NULL, NULL},
    END};

static const struct doc_op put_op[] = {{"PUT", "/{id}", X_UPDATE, 0, NULL, NULL,
                                        NULL, NULL},
                                       END};

/* src/api/api_bulk.c, api_bulkloader.c (under /hubs/{hub}/bulk too) */
#define B F_NOTHUB
static const struct doc_op bulk_ops[] = {
    {"POST", "/query", X_GET, B | F_CALLBACK,
     "Start a bulk download (q: a CEQL query)", "BulkJob", NULL, "q"},
    {"POST", "/{objectName}", X_CREATE,
     B | F_CALLBACK | F_MULTIPART | F_METADATA,
     "Start a bulk upload (multipart: file, metaData)", "BulkJob", NULL, NULL},
    {"GET", "/jobs", X_LIST, B | F_PAGETOKEN,
     "The instance's bulk jobs, newest first", "BulkJobEntry", NULL, "where"},
    {"GET", "/{id}/status", X_GET, B, "A job's status", "BulkStatus", NULL,
     NULL},
    {"GET", "/{id}/errors", X_LIST, B | F_PAGETOKEN, "A job's failed records",
     "BulkError", NULL, NULL},
    {"PUT", "/{id}/cancel", X_GET, B, "Cancel a job", "BulkJob", NULL, NULL},
    {"GET", "/{id}/{objectName}", X_GET, B | F_CSV,
     "A finished download's records (JSON lines, or CSV)", "BulkRecords", NULL,
     NULL},
    {"POST", "/workflows", X_CREATE, B | F_SCHEDULE,
     "A bulk workflow (once, or on a schedule)", "", "", NULL},
    {"GET", "/workflows/{id}", X_GET, B, "A bulk workflow", "", NULL, NULL},
    {"DELETE", "/workflows/{id}", X_DELETE, B, "Stop a bulk workflow", NULL,
     NULL, NULL},
    END};
#undef B

/* --- the resources ------------------------------------------------------------ */

#define CRMOPS(...)                                                            \
    {                                                                          \
        crm_cruds, crm_batch, __VA_ARGS__                                      \
    }
#define AP (A_PARENT | A_CHILD)

const struct doc_res apidocs_resources[] = {
    {"ping", NULL, S_NONE, -1, 0, "Check the instance", {ping_ops}},
    {"contacts", NULL, S_CRM, 0, AP, "Contacts",
     CRMOPS(record_activities, props_ops)},
    {"accounts", NULL, S_CRM, 1, AP, "Accounts (HubSpot companies)",
     CRMOPS(record_activities, props_ops)},
    {"opportunities", NULL, S_CRM, 2, AP, "Opportunities (HubSpot deals)",
     CRMOPS(record_activities, props_ops)},
    {"leads", NULL, S_CRM, 0, 0, "Contacts whose lifecycle stage is lead",
     CRMOPS(props_ops)},
    {"companies", NULL, S_CRM, 1, 0, "HubSpot companies", CRMOPS(props_ops)},
    {"deals", NULL, S_CRM, 2, 0, "HubSpot deals", CRMOPS(props_ops)},
    {"activities", NULL, S_CATALOGUE, -1, 0, "Engagements", {activities_ops}},
    {"owners", NULL, S_CATALOGUE, -1, 0, "Owners (read-only)", {owners_ops}},
    {"pipelines", NULL, S_CATALOGUE, -1, 0, "Deal pipelines", {cruds_put}},
    {"timeline-event-types",
     NULL,
     S_CATALOGUE,
     -1,
     0,
     "Timeline event types",
     {cruds_put, timeline_ops}},
    {"objects", NULL, S_NONE, -1, 0, "The object catalogue", {objects_ops}},
    {"lists", NULL, S_CATALOGUE, -1, 0, "Contact lists", {lists_ops}},
    {"campaigns",
     "marketing",
     S_CATALOGUE,
     -1,
     0,
     "Marketing campaigns",
     {campaigns_ops}},
    {"workflows",
     "marketing",
     S_CATALOGUE,
     -1,
     0,
     "Workflows (HubSpot flows)",
     {workflows_ops}},
    {"files", "marketing", S_CATALOGUE, -1, 0, "Files", {files_ops}},
    {"folders", "marketing", S_CATALOGUE, -1, 0, "File folders", {cruds_patch}},
    {"emails",
     "marketing",
     S_CATALOGUE,
     -1,
     0,
     "HubSpot marketing emails",
     {cruds_patch}},
    {"forms",
     "marketing",
     S_CATALOGUE,
     -1,
     0,
     "HubSpot forms",
     {cruds_patch, put_op}},
    /* any other HubSpot object (the CRM's "*" row) */
    {"tickets", NULL, S_CRM, -1, AP, "HubSpot tickets", CRMOPS(NULL)},
    {"products", NULL, S_CRM, -1, 0, "HubSpot products", CRMOPS(NULL)},
    {"line_items", NULL, S_CRM, -1, 0, "HubSpot line items", CRMOPS(NULL)},
    {"notes", NULL, S_CRM, -1, A_CHILD, "HubSpot notes", CRMOPS(NULL)},
    {"calls", NULL, S_CRM, -1, A_CHILD, "HubSpot calls", CRMOPS(NULL)},
    {"emails", "crm", S_CRM, -1, A_CHILD, "HubSpot emails", CRMOPS(NULL)},
    {"meetings", NULL, S_CRM, -1, A_CHILD, "HubSpot meetings", CRMOPS(NULL)},
    {"tasks", NULL, S_CRM, -1, A_CHILD, "HubSpot tasks", CRMOPS(NULL)},
    {"bulk", NULL, S_NONE, -1, 0, "Bulk jobs", {bulk_ops}},
};
const size_t apidocs_n_resources = sizeof(apidocs_resources) /
                                   sizeof(apidocs_resources[0]);

const struct doc_res *apidocs_resource(const char *name, const char *hub)
{
    for (size_t i = 0; i < apidocs_n_resources; i++) {
        const struct doc_res *r = &apidocs_resources[i];
        if (strcmp(r->name, name) == 0 &&
            (!r->hub || (hub && strcmp(r->hub, hub) == 0)))
            return r;
    }
    return NULL;
}

/* --- definitions every document has ------------------------------------------ */

const struct doc_def apidocs_static_defs[] = {
    {"Property",
     "{\"type\":\"object\",\"description\":\"A HubSpot property\","
     "\"properties\":{\"name\":{\"type\":\"string\"},\"label\":{\"type\":"
     "\"string\"},\"type\":{\"type\":\"string\"},\"fieldType\":{\"type\":"
     "\"string\"},\"groupName\":{\"type\":\"string\"},\"description\":{"
     "\"type\":\"string\"},\"options\":{\"type\":\"array\",\"items\":{"
     "\"type\":\"object\"}}}}"},
    {"PropertyInput",
     "{\"type\":\"object\",\"required\":[\"name\",\"label\",\"type\","
     "\"fieldType\",\"groupName\"],\"description\":\"HubSpot's v3 "
     "PropertyCreate or the classic body (members HubSpot does not take "
     "are left out)\",\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"label\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
     "\"fieldType\":{\"type\":\"string\"},\"groupName\":{\"type\":"
     "\"string\"},\"description\":{\"type\":\"string\"},\"options\":{"
     "\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}"},
    {"PropertyUpdate",
     "{\"type\":\"object\",\"description\":\"HubSpot's v3 PropertyUpdate "
     "or the classic body (a new name is left out)\",\"properties\":{"
     "\"label\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
     "\"fieldType\":{\"type\":\"string\"},\"groupName\":{\"type\":"
     "\"string\"},\"description\":{\"type\":\"string\"},\"options\":{"
     "\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}"},
    {"PropertyGroup",
     "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"label\":{\"type\":\"string\"},\"displayName\":{\"type\":"
     "\"string\"},\"displayOrder\":{\"type\":\"integer\"}}}"},
    {"PropertyGroupInput",
     "{\"type\":\"object\",\"required\":[\"name\"],\"description\":\"name "
     "and label (or the classic displayName)\",\"properties\":{\"name\":{"
     "\"type\":\"string\"},\"label\":{\"type\":\"string\"},"
     "\"displayName\":{\"type\":\"string\"},\"displayOrder\":{\"type\":"
     "\"integer\"}}}"},
    {"PropertyGroupUpdate",
     "{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\"},"
     "\"displayName\":{\"type\":\"string\"},\"displayOrder\":{\"type\":"
     "\"integer\"}}}"},
    {"AssociationInput",
     "{\"type\":\"object\",\"description\":\"The record to associate: its "
     "id, or its classic id (vid, companyId, dealId)\",\"properties\":{"
     "\"id\":{\"type\":\"string\"}}}"},
    {"BatchInput",
     "{\"type\":\"object\",\"required\":[\"inputs\"],\"properties\":{"
     "\"inputs\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":100,"
     "\"items\":{\"type\":\"object\"}},\"idProperty\":{\"type\":"
     "\"string\"}}}"},
    {"BatchResult",
     "{\"type\":\"object\",\"properties\":{\"results\":{\"type\":\"array\","
     "\"items\":{\"type\":\"object\"}},\"errors\":{\"type\":\"array\","
     "\"items\":{\"type\":\"object\"}}}}"},
    {"ListMembersInput",
     "{\"type\":\"array\",\"maxItems\":100,\"items\":{\"type\":\"object\","
     "\"properties\":{\"vid\":{\"type\":\"integer\"},\"properties\":{"
     "\"type\":\"object\",\"properties\":{\"email\":{\"type\":"
     "\"string\"}}}}}}"},
    {"CampaignActivity",
     "{\"type\":\"object\",\"description\":\"A HubSpot email event\","
     "\"properties\":{\"id\":{\"type\":\"string\"},\"type\":{\"type\":"
     "\"string\"},\"created\":{\"type\":\"integer\"},\"recipient\":{"
     "\"type\":\"string\"},\"emailCampaignId\":{\"type\":\"integer\"}}}"},
    {"BulkJob",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
     "\"status\":{\"type\":\"string\"}}}"},
    {"BulkStatus",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
     "\"status\":{\"type\":\"string\"},\"objectName\":{\"type\":"
     "\"string\"},\"recordsCount\":{\"type\":\"integer\"},"
     "\"recordsFailedCount\":{\"type\":\"integer\"},\"bulk_start_time\":{"
     "\"type\":\"string\"},\"bulk_finish_time\":{\"type\":\"string\"},"
     "\"message\":{\"type\":\"string\"}}}"},
    {"BulkJobEntry",
     "{\"type\":\"object\",\"properties\":{\"job_id\":{\"type\":"
     "\"integer\"},\"object_name\":{\"type\":\"string\"},\"job_status\":{"
     "\"type\":\"string\"},\"job_direction\":{\"type\":\"string\"},"
     "\"record_count\":{\"type\":\"integer\"},\"error_count\":{\"type\":"
     "\"integer\"},\"createdDate\":{\"type\":\"integer\"}}}"},
    {"BulkError",
     "{\"type\":\"object\",\"properties\":{\"row\":{\"type\":\"integer\"},"
     "\"message\":{\"type\":\"string\"},\"record\":{\"type\":"
     "\"object\"}}}"},
    {"BulkRecords",
     "{\"type\":\"string\",\"description\":\"JSON lines, or CSV with "
     "Accept: text/csv\"}"},
};
const size_t apidocs_n_static_defs = sizeof(apidocs_static_defs) /
                                     sizeof(apidocs_static_defs[0]);

/* Children through associations (hub_assoc.c), for a parent row with
 * A_PARENT and each A_CHILD row of the same document ("@": the child). */
const struct doc_op apidocs_assoc_ops[] = {
    {"GET", "/{id}/@", X_LIST, 0, "The record's associated @", NULL, NULL,
     "fields"},
    {"POST", "/{id}/@", X_CREATE, 0, "Associate one of @ (the body names it)",
     NULL, "AssociationInput", NULL},
    {"PUT", "/{id}/@/{childId}", X_GET, 0, "Associate one of @", NULL, NULL,
     NULL},
    {"DELETE", "/{id}/@/{childId}", X_DELETE, 0,
     "Remove the associations with one of @", NULL, NULL, NULL},
    END};

/* An instance's virtual resources (hub/virtual.c): a CRM object's CRUDS. */
const struct doc_op *const apidocs_virtual_ops[DOC_RES_OPS] = {crm_cruds};
