/**
 * COSEM interface classes (IEC 62056-6-2 §4 / DLMS UA Blue Book §4–5): class id, version, and the
 * names of their attributes and methods in the standard's own words. Used to label decoded
 * descriptors (`1-0:1.8.0.255` attribute 2 of a Register is its `value`), to drive the meter
 * simulator, and by the CLI to pick the attribute to read.
 */

/** One attribute of an interface class. */
export interface CosemAttributeDefinition {
  /** Attribute index (1 is always logical_name). */
  readonly id: number;
  /** Name as the Blue Book writes it, e.g. `scaler_unit`. */
  readonly name: string;
  /** The A-XDR type the attribute holds, as the Blue Book describes it (informative). */
  readonly type: string;
}

/** One method of an interface class. */
export interface CosemMethodDefinition {
  readonly id: number;
  readonly name: string;
}

/** An interface class definition. */
export interface InterfaceClassDefinition {
  readonly classId: number;
  /** The class version these definitions describe. */
  readonly version: number;
  /** Name as the Blue Book writes it, e.g. `Profile generic`. */
  readonly name: string;
  readonly attributes: readonly CosemAttributeDefinition[];
  readonly methods: readonly CosemMethodDefinition[];
  /** The clause of IEC 62056-6-2 (ed. 4) that specifies the class. */
  readonly clause: string;
}

const LN: CosemAttributeDefinition = { id: 1, name: 'logical_name', type: 'octet-string' };

function attrs(list: readonly [string, string][]): CosemAttributeDefinition[] {
  return [LN, ...list.map(([name, type], i) => ({ id: i + 2, name, type }))];
}

function methods(list: readonly string[], first = 1): CosemMethodDefinition[] {
  return list.map((name, i) => ({ id: first + i, name }));
}

/** The interface classes meterkit knows, by class id. */
export const INTERFACE_CLASSES: ReadonlyMap<number, InterfaceClassDefinition> = new Map(
  (
    [
      {
        classId: 1,
        version: 0,
        name: 'Data',
        clause: '§4.3.1',
        attributes: attrs([['value', 'CHOICE']]),
        methods: [],
      },
      {
        classId: 3,
        version: 0,
        name: 'Register',
        clause: '§4.3.2',
        attributes: attrs([
          ['value', 'CHOICE'],
          ['scaler_unit', 'scal_unit_type'],
        ]),
        methods: methods(['reset']),
      },
      {
        classId: 4,
        version: 0,
        name: 'Extended register',
        clause: '§4.3.3',
        attributes: attrs([
          ['value', 'CHOICE'],
          ['scaler_unit', 'scal_unit_type'],
          ['status', 'CHOICE'],
          ['capture_time', 'octet-string (date-time)'],
        ]),
        methods: methods(['reset']),
      },
      {
        classId: 5,
        version: 0,
        name: 'Demand register',
        clause: '§4.3.4',
        attributes: attrs([
          ['current_average_value', 'CHOICE'],
          ['last_average_value', 'CHOICE'],
          ['scaler_unit', 'scal_unit_type'],
          ['status', 'CHOICE'],
          ['capture_time', 'octet-string (date-time)'],
          ['start_time_current', 'octet-string (date-time)'],
          ['period', 'double-long-unsigned'],
          ['number_of_periods', 'long-unsigned'],
        ]),
        methods: methods(['reset', 'next_period']),
      },
      {
        classId: 6,
        version: 0,
        name: 'Register activation',
        clause: '§4.3.5',
        attributes: attrs([
          ['register_assignment', 'array'],
          ['mask_list', 'array'],
          ['active_mask', 'octet-string'],
        ]),
        methods: methods(['add_register', 'add_mask', 'delete_mask']),
      },
      {
        classId: 7,
        version: 1,
        name: 'Profile generic',
        clause: '§4.3.6',
        attributes: attrs([
          ['buffer', 'array'],
          ['capture_objects', 'array of capture_object_definition'],
          ['capture_period', 'double-long-unsigned'],
          ['sort_method', 'enum'],
          ['sort_object', 'capture_object_definition'],
          ['entries_in_use', 'double-long-unsigned'],
          ['profile_entries', 'double-long-unsigned'],
        ]),
        methods: methods(['reset', 'capture']),
      },
      {
        classId: 8,
        version: 0,
        name: 'Clock',
        clause: '§4.5.1',
        attributes: attrs([
          ['time', 'octet-string (date-time)'],
          ['time_zone', 'long'],
          ['status', 'unsigned (clock_status)'],
          ['daylight_savings_begin', 'octet-string (date-time)'],
          ['daylight_savings_end', 'octet-string (date-time)'],
          ['daylight_savings_deviation', 'integer'],
          ['daylight_savings_enabled', 'boolean'],
          ['clock_base', 'enum'],
        ]),
        methods: methods([
          'adjust_to_quarter',
          'adjust_to_measuring_period',
          'adjust_to_minute',
          'adjust_to_preset_time',
          'preset_adjusting_time',
          'shift_time',
        ]),
      },
      {
        classId: 9,
        version: 0,
        name: 'Script table',
        clause: '§4.5.2',
        attributes: attrs([['scripts', 'array']]),
        methods: methods(['execute']),
      },
      {
        classId: 10,
        version: 0,
        name: 'Schedule',
        clause: '§4.5.3',
        attributes: attrs([['entries', 'array']]),
        methods: methods(['enable/disable', 'insert', 'delete']),
      },
      {
        classId: 11,
        version: 0,
        name: 'Special days table',
        clause: '§4.5.4',
        attributes: attrs([['entries', 'array']]),
        methods: methods(['insert', 'delete']),
      },
      {
        classId: 12,
        version: 4,
        name: 'Association SN',
        clause: '§4.4.3',
        attributes: attrs([
          ['object_list', 'objectlist_type'],
          ['access_rights_list', 'array'],
          ['security_setup_reference', 'octet-string'],
          ['user_list', 'array'],
          ['current_user', 'structure'],
        ]),
        methods: [
          { id: 3, name: 'read_by_logicalname' },
          { id: 4, name: 'get_attributes_&_methods' },
          { id: 5, name: 'change_LLS_secret' },
          { id: 6, name: 'change_HLS_secret' },
          { id: 8, name: 'reply_to_HLS_authentication' },
          { id: 9, name: 'add_user' },
          { id: 10, name: 'remove_user' },
        ],
      },
      {
        classId: 15,
        version: 3,
        name: 'Association LN',
        clause: '§4.4.4',
        attributes: attrs([
          ['object_list', 'object_list_type'],
          ['associated_partners_id', 'associated_partners_type'],
          ['application_context_name', 'context_name_type'],
          ['xDLMS_context_info', 'xDLMS_context_type'],
          ['authentication_mechanism_name', 'mechanism_name_type'],
          ['secret', 'octet-string'],
          ['association_status', 'enum'],
          ['security_setup_reference', 'octet-string'],
          ['user_list', 'array'],
          ['current_user', 'structure'],
        ]),
        methods: methods([
          'reply_to_HLS_authentication',
          'change_HLS_secret',
          'add_object',
          'remove_object',
          'add_user',
          'remove_user',
        ]),
      },
      {
        classId: 17,
        version: 0,
        name: 'SAP assignment',
        clause: '§4.4.5',
        attributes: attrs([['SAP_assignment_list', 'asslist_type']]),
        methods: methods(['connect_logical_device']),
      },
      {
        classId: 18,
        version: 0,
        name: 'Image transfer',
        clause: '§4.4.6',
        attributes: attrs([
          ['image_block_size', 'double-long-unsigned'],
          ['image_transferred_blocks_status', 'bit-string'],
          ['image_first_not_transferred_block_number', 'double-long-unsigned'],
          ['image_transfer_enabled', 'boolean'],
          ['image_transfer_status', 'enum'],
          ['image_to_activate_info', 'array'],
        ]),
        methods: methods([
          'image_transfer_initiate',
          'image_block_transfer',
          'image_verify',
          'image_activate',
        ]),
      },
      {
        classId: 19,
        version: 1,
        name: 'IEC local port setup',
        clause: '§4.7.1',
        attributes: attrs([
          ['default_mode', 'enum'],
          ['default_baud', 'enum'],
          ['prop_baud', 'enum'],
          ['response_time', 'enum'],
          ['device_addr', 'octet-string'],
          ['pass_p1', 'octet-string'],
          ['pass_p2', 'octet-string'],
          ['pass_w5', 'octet-string'],
        ]),
        methods: [],
      },
      {
        classId: 20,
        version: 0,
        name: 'Activity calendar',
        clause: '§4.5.5',
        attributes: attrs([
          ['calendar_name_active', 'octet-string'],
          ['season_profile_active', 'array'],
          ['week_profile_table_active', 'array'],
          ['day_profile_table_active', 'array'],
          ['calendar_name_passive', 'octet-string'],
          ['season_profile_passive', 'array'],
          ['week_profile_table_passive', 'array'],
          ['day_profile_table_passive', 'array'],
          ['activate_passive_calendar_time', 'octet-string (date-time)'],
        ]),
        methods: methods(['activate_passive_calendar']),
      },
      {
        classId: 21,
        version: 0,
        name: 'Register monitor',
        clause: '§4.5.6',
        attributes: attrs([
          ['thresholds', 'array'],
          ['monitored_value', 'value_definition'],
          ['actions', 'array'],
        ]),
        methods: [],
      },
      {
        classId: 22,
        version: 0,
        name: 'Single action schedule',
        clause: '§4.5.7',
        attributes: attrs([
          ['executed_script', 'script'],
          ['type', 'enum'],
          ['execution_time', 'array'],
        ]),
        methods: [],
      },
      {
        classId: 23,
        version: 1,
        name: 'IEC HDLC setup',
        clause: '§4.7.2',
        attributes: attrs([
          ['comm_speed', 'enum'],
          ['window_size_transmit', 'unsigned'],
          ['window_size_receive', 'unsigned'],
          ['max_info_field_length_transmit', 'long-unsigned'],
          ['max_info_field_length_receive', 'long-unsigned'],
          ['inter_octet_time_out', 'long-unsigned'],
          ['inactivity_time_out', 'long-unsigned'],
          ['device_address', 'long-unsigned'],
        ]),
        methods: [],
      },
      {
        classId: 40,
        version: 0,
        name: 'Push setup',
        clause: '§4.4.8',
        attributes: attrs([
          ['push_object_list', 'array'],
          ['send_destination_and_method', 'structure'],
          ['communication_window', 'array'],
          ['randomisation_start_interval', 'long-unsigned'],
          ['number_of_retries', 'unsigned'],
          ['repetition_delay', 'long-unsigned'],
        ]),
        methods: methods(['push']),
      },
      {
        classId: 41,
        version: 0,
        name: 'TCP-UDP setup',
        clause: '§4.9.1',
        attributes: attrs([
          ['TCP-UDP_port', 'long-unsigned'],
          ['IP_reference', 'octet-string'],
          ['MSS', 'long-unsigned'],
          ['nb_of_sim_conn', 'unsigned'],
          ['inactivity_time_out', 'long-unsigned'],
        ]),
        methods: [],
      },
      {
        classId: 42,
        version: 0,
        name: 'IPv4 setup',
        clause: '§4.9.2',
        attributes: attrs([
          ['DL_reference', 'octet-string'],
          ['IP_address', 'double-long-unsigned'],
          ['multicast_IP_address', 'array'],
          ['IP_options', 'array'],
          ['subnet_mask', 'double-long-unsigned'],
          ['gateway_IP_address', 'double-long-unsigned'],
          ['use_DHCP_flag', 'boolean'],
          ['primary_DNS_address', 'double-long-unsigned'],
          ['secondary_DNS_address', 'double-long-unsigned'],
        ]),
        methods: methods(['add_mc_IP_address', 'delete_mc_IP_address', 'get_nbof_mc_IP_addresses']),
      },
      {
        classId: 64,
        version: 1,
        name: 'Security setup',
        clause: '§4.4.7',
        attributes: attrs([
          ['security_policy', 'enum / bit-string'],
          ['security_suite', 'enum'],
          ['client_system_title', 'octet-string'],
          ['server_system_title', 'octet-string'],
          ['certificates', 'array'],
        ]),
        methods: methods([
          'security_activate',
          'key_transfer',
          'key_agreement',
          'generate_key_pair',
          'generate_certificate_request',
          'import_certificate',
          'export_certificate',
          'remove_certificate',
        ]),
      },
      {
        classId: 70,
        version: 0,
        name: 'Disconnect control',
        clause: '§4.5.8',
        attributes: attrs([
          ['output_state', 'boolean'],
          ['control_state', 'enum'],
          ['control_mode', 'enum'],
        ]),
        methods: methods(['remote_disconnect', 'remote_reconnect']),
      },
      {
        classId: 71,
        version: 0,
        name: 'Limiter',
        clause: '§4.5.9',
        attributes: attrs([
          ['monitored_value', 'value_definition'],
          ['threshold_active', 'CHOICE'],
          ['threshold_normal', 'CHOICE'],
          ['threshold_emergency', 'CHOICE'],
          ['min_over_threshold_duration', 'double-long-unsigned'],
          ['min_under_threshold_duration', 'double-long-unsigned'],
          ['emergency_profile', 'emergency_profile_type'],
          ['emergency_profile_group_id_list', 'array'],
          ['emergency_profile_active', 'boolean'],
          ['actions', 'action_type'],
        ]),
        methods: [],
      },
    ] satisfies InterfaceClassDefinition[]
  ).map((c) => [c.classId, c]),
);

/** The definition of an interface class, or undefined for one meterkit does not describe. */
export function interfaceClass(classId: number): InterfaceClassDefinition | undefined {
  return INTERFACE_CLASSES.get(classId);
}

/** `Register.scaler_unit`-style label of an attribute, or `attribute-N` when unknown. */
export function attributeName(classId: number, attributeId: number): string {
  return (
    INTERFACE_CLASSES.get(classId)?.attributes.find((a) => a.id === attributeId)?.name ??
    `attribute-${attributeId}`
  );
}

/** The name of a method, or `method-N` when unknown. */
export function methodName(classId: number, methodId: number): string {
  return INTERFACE_CLASSES.get(classId)?.methods.find((m) => m.id === methodId)?.name ?? `method-${methodId}`;
}

/** The attribute index of a named attribute (e.g. `attributeId(7, 'buffer') === 2`). */
export function attributeId(classId: number, name: string): number | undefined {
  return INTERFACE_CLASSES.get(classId)?.attributes.find((a) => a.name === name)?.id;
}
