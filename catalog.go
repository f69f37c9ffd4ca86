package hookd

// The names of the built-in event types.
const (
	EventUserCreated         = "user.created"
	EventUserUpdated         = "user.updated"
	EventUserTerminated      = "user.terminated"
	EventUserLogin           = "user.login"
	EventOrganizationUpdated = "organization.updated"
	EventTicketCreated       = "ticket.created"
	EventTicketUpdated       = "ticket.updated"
	EventWebhookTest         = "webhook.test"
)

// builtinEventType is one entry of the built-in catalog, as written here.
type builtinEventType struct {
	name, description string
	schema, example   string // JSON texts
	version           int
	deprecated        bool
}

// The built-in catalog. Every schema leaves additionalProperties open: data
// may gain fields at any time, and receivers must ignore those they do not
// know. Changing a schema here means raising its version.
var builtinEventTypes = []builtinEventType{
	{
		name:        EventUserCreated,
		description: "A user was added to the tenant's directory, through the API, the console or an HR provisioning webhook (adduser).",
		version:     1,
		schema: schemaHeader(EventUserCreated, "The data of user.created: the new user.") + `,
			"type": "object",
			"required": ["user"],
			"properties": {"user": {"$ref": "#/$defs/user"}},
			"$defs": {"user": ` + userSchema + `, "organization": ` + organizationSchema + `}
		}`,
		example: `{"user": ` + userExample + `}`,
	},
	{
		name: EventUserUpdated,
		description: "A user's name, email, mobile number or organizations changed. The data carries the user as it is now, " +
			"the names of the fields that changed and their previous values.",
		version: 1,
		schema: schemaHeader(EventUserUpdated, "The data of user.updated: the user as it is now, what changed and what it was before.") + `,
			"type": "object",
			"required": ["user", "changed_fields"],
			"properties": {
				"user": {"$ref": "#/$defs/user"},
				"changed_fields": {
					"type": "array",
					"description": "The names of the user's fields that changed, such as email or organizations.",
					"items": {"type": "string"}
				},
				"previous": {
					"type": "object",
					"description": "The previous value of each changed field, under the field's name."
				}
			},
			"$defs": {"user": ` + userSchema + `, "organization": ` + organizationSchema + `}
		}`,
		example: `{
			"user": ` + userExampleUpdated + `,
			"changed_fields": ["email", "mobile"],
			"previous": {"email": "ada.lovelace@example.com", "mobile": "+44 20 7946 0018"}
		}`,
	},
	{
		name: EventUserTerminated,
		description: "A user was terminated, through the API, the console or an HR provisioning webhook (deleteuser). " +
			"The user is kept, with status terminated; users are never erased.",
		version: 1,
		schema: schemaHeader(EventUserTerminated, "The data of user.terminated: the user, now terminated, and when.") + `,
			"type": "object",
			"required": ["user"],
			"properties": {
				"user": {"$ref": "#/$defs/user"},
				"terminated_at": {"type": "string", "format": "date-time", "description": "When the user was terminated (RFC 3339)."}
			},
			"$defs": {"user": ` + userSchema + `, "organization": ` + organizationSchema + `}
		}`,
		example: `{"user": ` + userExampleTerminated + `, "terminated_at": "2026-11-30T17:00:00Z"}`,
	},
	{
		name:        EventUserLogin,
		description: "A user signed in. The data carries the user and, when known, where from and how.",
		version:     1,
		schema: schemaHeader(EventUserLogin, "The data of user.login: who signed in, when, and from where.") + `,
			"type": "object",
			"required": ["user"],
			"properties": {
				"user": {"$ref": "#/$defs/user"},
				"login_at": {"type": "string", "format": "date-time", "description": "When the user signed in (RFC 3339)."},
				"ip_address": {"type": ["string", "null"], "description": "The address the sign-in came from, if known."},
				"user_agent": {"type": ["string", "null"], "description": "The client's User-Agent, if known."},
				"method": {"type": ["string", "null"], "description": "How the user signed in, such as password or sso."}
			},
			"$defs": {"user": ` + userSchema + `, "organization": ` + organizationSchema + `}
		}`,
		example: `{
			"user": ` + userExample + `,
			"login_at": "2026-11-23T09:41:07Z",
			"ip_address": "203.0.113.24",
			"user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
			"method": "password"
		}`,
	},
	{
		name: EventOrganizationUpdated,
		description: "An organization of the tenant's directory was created or renamed. The data says which change " +
			"(created or renamed) and, for a rename, the previous name.",
		version: 1,
		schema: schemaHeader(EventOrganizationUpdated, "The data of organization.updated: the organization as it is now and which change happened.") + `,
			"type": "object",
			"required": ["organization", "change"],
			"properties": {
				"organization": {"$ref": "#/$defs/organization"},
				"change": {
					"type": "string",
					"description": "Which change happened: created or renamed. More kinds of change may be added; treat an unknown one as an update."
				},
				"previous": {
					"type": "object",
					"description": "The previous values of the changed fields, such as name, under the field's name.",
					"properties": {"name": {"type": "string"}}
				}
			},
			"$defs": {"organization": ` + organizationSchema + `}
		}`,
		example: `{
			"organization": {"id": "org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70", "name": "Research & Development"},
			"change": "renamed",
			"previous": {"name": "R&D"}
		}`,
	},
	{
		name: EventTicketCreated,
		description: "A helpdesk ticket was created, through the API or a helpdesk webhook (ServiceNow or the generic " +
			"createticket).",
		version: 1,
		schema: schemaHeader(EventTicketCreated, "The data of ticket.created: the new ticket.") + `,
			"type": "object",
			"required": ["ticket"],
			"properties": {"ticket": {"$ref": "#/$defs/ticket"}},
			"$defs": {"ticket": ` + ticketSchema + `}
		}`,
		example: `{"ticket": ` + ticketExample + `}`,
	},
	{
		name: EventTicketUpdated,
		description: "A helpdesk ticket changed (for example its state, priority or comments). The data carries the " +
			"ticket as it is now, the names of the fields that changed and their previous values.",
		version: 1,
		schema: schemaHeader(EventTicketUpdated, "The data of ticket.updated: the ticket as it is now, what changed and what it was before.") + `,
			"type": "object",
			"required": ["ticket", "changed_fields"],
			"properties": {
				"ticket": {"$ref": "#/$defs/ticket"},
				"changed_fields": {
					"type": "array",
					"description": "The names of the ticket's fields that changed, such as state or comments.",
					"items": {"type": "string"}
				},
				"previous": {
					"type": "object",
					"description": "The previous value of each changed field, under the field's name."
				}
			},
			"$defs": {"ticket": ` + ticketSchema + `}
		}`,
		example: `{
			"ticket": ` + ticketExampleUpdated + `,
			"changed_fields": ["state", "priority"],
			"previous": {"state": "New", "priority": "3 - Moderate"}
		}`,
	},
	{
		name: EventWebhookTest,
		description: "A test event, sent on request (POST /api/v1/endpoints/{id}/test) to check that an endpoint " +
			"receives and verifies deliveries. It changes nothing; answer it with 2xx.",
		version: 1,
		schema: schemaHeader(EventWebhookTest, "The data of webhook.test.") + `,
			"type": "object",
			"required": ["message"],
			"properties": {
				"message": {"type": "string", "description": "A human-readable note saying this is a test."},
				"endpoint_id": {"type": "string", "description": "The endpoint the test was sent to."}
			}
		}`,
		example: `{"message": "This is a test event from hookd.", "endpoint_id": "ep_0193b7e4a1c27d5e9f3a1b2c3d4e5f61"}`,
	},
	// The operational events (operational.go): hookd's own news about the
	// tenant's endpoints. An operational event about an endpoint is never
	// delivered to that endpoint.
	{
		name: EventEndpointDisabled,
		description: "An endpoint was disabled: one of its deliveries used up its retries, its receiver answered 410 Gone, " +
			"or someone disabled it. Its deliveries are held until it is enabled again. Never delivered to the endpoint it is about.",
		version: 1,
		schema: schemaHeader(EventEndpointDisabled, "The data of endpoint.disabled: the endpoint, why and when.") + `,
			"type": "object",
			"required": ["endpoint", "reason", "cause", "disabled_at"],
			"properties": {
				"endpoint": {"$ref": "#/$defs/endpoint"},
				"reason": {"type": "string", "description": "Why, in words, as the endpoint's disabled_reason says."},
				"cause": {"type": "string", "description": "Why, as a code: failed_deliveries, gone or user. More may be added."},
				"disabled_at": {"type": "string", "format": "date-time"}
			},
			"$defs": {"endpoint": ` + operationalEndpointSchema + `}
		}`,
		example: `{
			"endpoint": ` + operationalEndpointExample + `,
			"reason": "delivery dlv_0193b7e4a1c27d5e9f3a1b2c3d4e5f80 failed 9 attempts in a row, the last: HTTP 500",
			"cause": "failed_deliveries",
			"disabled_at": "2026-11-30T17:36:05Z"
		}`,
	},
	{
		name: EventEndpointEnabled,
		description: "A disabled endpoint was enabled again; the deliveries held meanwhile are sent. Never delivered " +
			"to the endpoint it is about.",
		version: 1,
		schema: schemaHeader(EventEndpointEnabled, "The data of endpoint.enabled: the endpoint and when.") + `,
			"type": "object",
			"required": ["endpoint", "enabled_at"],
			"properties": {
				"endpoint": {"$ref": "#/$defs/endpoint"},
				"enabled_at": {"type": "string", "format": "date-time"}
			},
			"$defs": {"endpoint": ` + operationalEndpointSchema + `}
		}`,
		example: `{"endpoint": ` + operationalEndpointExample + `, "enabled_at": "2026-12-01T08:00:00Z"}`,
	},
	{
		name: EventEndpointFailing,
		description: "An endpoint's share of successful attempts fell under the operator's threshold over a recent window " +
			"(by default under 50 % of at least 10 attempts in 15 minutes). Sent once when it falls, and again only after " +
			"the endpoint has recovered. Never delivered to the endpoint it is about.",
		version: 1,
		schema: schemaHeader(EventEndpointFailing, "The data of endpoint.failing: the endpoint and its recent success rate.") + `,
			"type": "object",
			"required": ["endpoint", "success_rate", "attempts", "succeeded", "window_seconds", "threshold"],
			"properties": {
				"endpoint": {"$ref": "#/$defs/endpoint"},
				"success_rate": {"type": "number", "minimum": 0, "maximum": 1, "description": "succeeded / attempts."},
				"attempts": {"type": "integer", "description": "The attempts counted, in the window."},
				"succeeded": {"type": "integer", "description": "Those answered with 2xx."},
				"window_seconds": {"type": "integer", "description": "How far back attempts are counted."},
				"threshold": {"type": "number", "description": "The success rate under which an endpoint is failing."},
				"min_attempts": {"type": "integer", "description": "The fewest attempts in the window for a rate to count."},
				"detected_at": {"type": "string", "format": "date-time"}
			},
			"$defs": {"endpoint": ` + operationalEndpointSchema + `}
		}`,
		example: `{
			"endpoint": ` + operationalEndpointExample + `,
			"success_rate": 0.25, "attempts": 40, "succeeded": 10,
			"window_seconds": 900, "threshold": 0.5, "min_attempts": 10,
			"detected_at": "2026-11-30T17:15:00Z"
		}`,
	},
	{
		name: EventDeliveryExhausted,
		description: "A delivery used up its retries and failed (its endpoint is disabled with it). Never sent for a " +
			"delivery of an operational event, and never delivered to the endpoint it is about.",
		version: 1,
		schema: schemaHeader(EventDeliveryExhausted, "The data of delivery.exhausted: the endpoint and the delivery that failed.") + `,
			"type": "object",
			"required": ["endpoint", "delivery"],
			"properties": {
				"endpoint": {"$ref": "#/$defs/endpoint"},
				"delivery": {
					"type": "object",
					"required": ["id", "event_id", "event_type", "attempts"],
					"properties": {
						"id": {"type": "string"},
						"event_id": {"type": "string"},
						"event_type": {"type": "string"},
						"attempts": {"type": "integer", "description": "The attempts made in all."},
						"last_status": {"type": "integer", "description": "The HTTP status of the last attempt; 0 for no answer."},
						"last_error": {"type": "string", "description": "Why the last attempt got no answer; \"\" when it got one."},
						"last_attempt_at": {"type": "string", "format": "date-time"}
					}
				}
			},
			"$defs": {"endpoint": ` + operationalEndpointSchema + `}
		}`,
		example: `{
			"endpoint": ` + operationalEndpointExample + `,
			"delivery": {
				"id": "dlv_0193b7e4a1c27d5e9f3a1b2c3d4e5f80", "event_id": "evt_0193b7e4a1c27d5e9f3a1b2c3d4e5f81",
				"event_type": "user.created", "attempts": 9, "last_status": 500, "last_error": "",
				"last_attempt_at": "2026-11-30T17:36:05Z"
			}
		}`,
	},
}

// operationalEndpointSchema is the endpoint an operational event is about.
const operationalEndpointSchema = `{
	"type": "object",
	"description": "The endpoint the event is about.",
	"required": ["id", "name", "url"],
	"properties": {
		"id": {"type": "string"},
		"name": {"type": "string"},
		"url": {"type": "string", "description": "As configured: a {VerificationKey} placeholder is not filled in."}
	}
}`

const operationalEndpointExample = `{"id": "ep_0193b7e4a1c27d5e9f3a1b2c3d4e5f61", "name": "CRM sync", "url": "https://crm.example.com/hooks/hookd"}`

// schemaHeader opens a built-in schema: an object, left unclosed, with the
// draft, a title and a description that states the compatibility rule.
func schemaHeader(name, description string) string {
	return `{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"title": "` + name + ` data",
		"description": "` + description + ` Receivers must ignore fields they do not know: fields may be added to this schema at any time without it being a breaking change."`
}

// userSchema is a user of the tenant's directory.
const userSchema = `{
	"type": "object",
	"description": "A user of the tenant's directory.",
	"required": ["id", "employee_id"],
	"properties": {
		"id": {"type": "string", "description": "hookd's ID of the user."},
		"employee_id": {"type": "string", "description": "The user's employee ID, unique within the tenant."},
		"first_name": {"type": "string", "description": "\"\" when unknown, as every text field of the user."},
		"last_name": {"type": "string"},
		"display_name": {"type": "string"},
		"email": {"type": "string", "description": "Lower-cased email address."},
		"mobile": {"type": "string", "description": "Mobile phone number, as the source system gave it."},
		"external_id": {"type": "string", "description": "The HR system's own key beyond the employee ID."},
		"status": {"type": "string", "description": "active or terminated. More statuses may be added."},
		"organizations": {
			"type": "array",
			"description": "The organizations the user belongs to.",
			"items": {"$ref": "#/$defs/organization"}
		},
		"created_at": {"type": "string", "format": "date-time"},
		"updated_at": {"type": "string", "format": "date-time"}
	}
}`

// organizationSchema is an organization of the tenant's directory.
const organizationSchema = `{
	"type": "object",
	"description": "An organization of the tenant's directory.",
	"required": ["id", "name"],
	"properties": {
		"id": {"type": "string", "description": "hookd's ID of the organization."},
		"name": {"type": "string"}
	}
}`

// ticketSchema is a helpdesk ticket.
const ticketSchema = `{
	"type": "object",
	"description": "A helpdesk ticket.",
	"required": ["id", "number", "title"],
	"properties": {
		"id": {"type": "string", "description": "hookd's ID of the ticket."},
		"number": {"type": "string", "description": "The ticket number, such as the ServiceNow incident number."},
		"title": {"type": "string"},
		"description": {"type": ["string", "null"]},
		"requester_email": {"type": ["string", "null"], "format": "email"},
		"reported_by_email": {"type": ["string", "null"], "format": "email"},
		"opened_at": {"type": ["string", "null"], "description": "When the ticket was opened, as the source system gave it."},
		"impact": {"type": ["string", "null"]},
		"urgency": {"type": ["string", "null"]},
		"priority": {"type": ["string", "null"]},
		"category": {"type": ["string", "null"]},
		"subcategory": {"type": ["string", "null"]},
		"state": {"type": ["string", "null"]},
		"source": {"type": ["string", "null"], "description": "Where the ticket came from, such as servicenow, createticket or api."},
		"external_id": {"type": ["string", "null"], "description": "The source system's ID, such as a ServiceNow sys_id."},
		"link": {"type": ["string", "null"], "description": "A link to the ticket."},
		"comments": {
			"type": "array",
			"items": {
				"type": "object",
				"properties": {
					"author": {"type": ["string", "null"]},
					"body": {"type": "string"},
					"created_at": {"type": "string", "format": "date-time"}
				}
			}
		},
		"created_at": {"type": "string", "format": "date-time"},
		"updated_at": {"type": "string", "format": "date-time"}
	}
}`

const userExample = `{
	"id": "dus_0193b7e4a1c27d5e9f3a1b2c3d4e5f62",
	"employee_id": "E-1042",
	"first_name": "Ada",
	"last_name": "Lovelace",
	"display_name": "Ada Lovelace",
	"email": "ada.lovelace@example.com",
	"mobile": "+44 20 7946 0018",
	"status": "active",
	"organizations": [{"id": "org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70", "name": "Research & Development"}],
	"created_at": "2026-11-23T09:40:00Z",
	"updated_at": "2026-11-23T09:40:00Z"
}`

const userExampleUpdated = `{
	"id": "dus_0193b7e4a1c27d5e9f3a1b2c3d4e5f62",
	"employee_id": "E-1042",
	"first_name": "Ada",
	"last_name": "Lovelace",
	"display_name": "Ada Lovelace",
	"email": "ada@example.com",
	"mobile": "+44 20 7946 0999",
	"status": "active",
	"organizations": [{"id": "org_0193b7e4a1c27d5e9f3a1b2c3d4e5f70", "name": "Research & Development"}],
	"created_at": "2026-11-23T09:40:00Z",
	"updated_at": "2026-11-24T14:05:12Z"
}`

const userExampleTerminated = `{
	"id": "dus_0193b7e4a1c27d5e9f3a1b2c3d4e5f62",
	"employee_id": "E-1042",
	"first_name": "Ada",
	"last_name": "Lovelace",
	"display_name": "Ada Lovelace",
	"email": "ada@example.com",
	"mobile": "+44 20 7946 0999",
	"status": "terminated",
	"organizations": [],
	"created_at": "2026-11-23T09:40:00Z",
	"updated_at": "2026-11-30T17:00:00Z"
}`

const ticketExample = `{
	"id": "tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80",
	"number": "INC0010042",
	"title": "Cannot connect to the VPN",
	"description": "Since this morning the VPN client times out when connecting from home.",
	"requester_email": "ada@example.com",
	"reported_by_email": "grace@example.com",
	"opened_at": "2026-11-23 09:12:44",
	"impact": "2 - Medium",
	"urgency": "2 - Medium",
	"priority": "3 - Moderate",
	"category": "Network",
	"subcategory": "VPN",
	"state": "New",
	"source": "servicenow",
	"external_id": "9d385017c611228701d22104cc95c371",
	"link": "https://hookd.example.com/tickets/tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80",
	"comments": [{"author": "servicenow", "body": "caller_id: Ada Lovelace\nlocation: London", "created_at": "2026-11-23T09:12:45Z"}],
	"created_at": "2026-11-23T09:12:45Z",
	"updated_at": "2026-11-23T09:12:45Z"
}`

const ticketExampleUpdated = `{
	"id": "tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80",
	"number": "INC0010042",
	"title": "Cannot connect to the VPN",
	"description": "Since this morning the VPN client times out when connecting from home.",
	"requester_email": "ada@example.com",
	"reported_by_email": "grace@example.com",
	"opened_at": "2026-11-23 09:12:44",
	"impact": "2 - Medium",
	"urgency": "1 - High",
	"priority": "2 - High",
	"category": "Network",
	"subcategory": "VPN",
	"state": "In Progress",
	"source": "servicenow",
	"external_id": "9d385017c611228701d22104cc95c371",
	"link": "https://hookd.example.com/tickets/tkt_0193b7e4a1c27d5e9f3a1b2c3d4e5f80",
	"comments": [{"author": "servicenow", "body": "caller_id: Ada Lovelace\nlocation: London", "created_at": "2026-11-23T09:12:45Z"}],
	"created_at": "2026-11-23T09:12:45Z",
	"updated_at": "2026-11-23T10:30:00Z"
}`
