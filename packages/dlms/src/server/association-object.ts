/**
 * The current association as an Association LN object (class 15, IEC 62056-6-2 §4.4.4), instance
 * 0-0:40.0.0.255: object_list generated from the object tree filtered by this client's access
 * rights, associated_partners_id, application_context_name, xDLMS_context_info,
 * authentication_mechanism_name, association_status, and the method reply_to_HLS_authentication
 * (handled by the session, which holds the challenges).
 */

import type { Conformance } from '../acse/conformance.js';
import { conformanceToNumber } from '../acse/conformance.js';
import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import { interfaceClass } from '../cosem/interface-classes.js';
import { type ObjectListElement, objectListToData } from '../cosem/object-list.js';
import { parseObis } from '../obis/obis.js';
import { attributeAccess, isVisible, methodAccess, type ObjectAccess } from './access-rights.js';
import type { AccessContext, ActionOutcome, GetOutcome, ServerObject } from './cosem-object.js';
import { refused } from './cosem-object.js';
import type { CosemObjectStore } from './object-store.js';

/** Logical name of the current association (IEC 62056-6-2 §4.4.4). */
export const CURRENT_ASSOCIATION = '0-0:40.0.0.255';

/** association_status values (IEC 62056-6-2 §4.4.4). */
export type AssociationStatus = 'non-associated' | 'association-pending' | 'associated';

/** What the association object reads from its session. IEC 62056-6-2 §4.4.4. */
export interface AssociationView {
  readonly clientSap: number;
  readonly serverSap: number;
  readonly applicationContextId: number;
  readonly mechanism: number;
  readonly conformance: Conformance;
  readonly serverMaxReceivePduSize: number;
  readonly clientMaxReceivePduSize: number;
  readonly status: AssociationStatus;
  readonly defaultAccess: ObjectAccess | undefined;
}

/** Access every client has to its own association object. */
const OWN_ACCESS: ObjectAccess = {
  defaultAttribute: 'read-only',
  defaultMethod: 'access',
  attributes: new Map([[7, 'no-access']]),
  methods: new Map(),
};

function oidStructure(arc: 1 | 2, id: number): DlmsData {
  return {
    type: 'structure',
    value: [
      { type: 'unsigned', value: 2 },
      { type: 'unsigned', value: 16 },
      { type: 'long-unsigned', value: 756 },
      { type: 'unsigned', value: 5 },
      { type: 'unsigned', value: 8 },
      { type: 'unsigned', value: arc },
      { type: 'unsigned', value: id },
    ],
  };
}

function bits24(n: number): string {
  return n.toString(2).padStart(24, '0');
}

/** The current association object of one session (IEC 62056-6-2 §4.4.4). */
export class CurrentAssociationObject implements ServerObject {
  readonly classId = 15;
  readonly version = 1;
  readonly logicalName = CURRENT_ASSOCIATION;
  private readonly store: CosemObjectStore;
  private readonly view: () => AssociationView;

  constructor(store: CosemObjectStore, view: () => AssociationView) {
    this.store = store;
    this.view = view;
  }

  accessFor(_clientSap: number | '*'): ObjectAccess {
    return OWN_ACCESS;
  }

  attributeIds(): readonly number[] {
    return [1, 2, 3, 4, 5, 6, 7, 8];
  }

  methodIds(): readonly number[] {
    return [1];
  }

  selectorsOf(_attributeId: number): readonly number[] | undefined {
    return undefined;
  }

  /** The object_list this client sees: itself, then every object it has some access to. */
  objectList(): ObjectListElement[] {
    const v = this.view();
    const list: ObjectListElement[] = [element(this, OWN_ACCESS)];
    for (const o of this.store.objects()) {
      const a = this.store.accessOf(o, v.clientSap, v.defaultAccess);
      if (isVisible(a)) list.push(element(o, a));
    }
    return list;
  }

  get(attributeId: number, _ctx: AccessContext, selection: SelectiveAccessDescriptor | null): GetOutcome {
    if (selection !== null) return refused('scope-of-access-violated');
    const v = this.view();
    switch (attributeId) {
      case 1:
        return { type: 'octet-string', value: parseObis(CURRENT_ASSOCIATION) };
      case 2:
        return objectListToData(this.objectList());
      case 3:
        return {
          type: 'structure',
          value: [
            { type: 'integer', value: v.clientSap > 127 ? 127 : v.clientSap },
            { type: 'long-unsigned', value: v.serverSap },
          ],
        };
      case 4:
        return oidStructure(1, v.applicationContextId);
      case 5:
        return {
          type: 'structure',
          value: [
            { type: 'bit-string', value: bits24(conformanceToNumber(v.conformance)) },
            { type: 'long-unsigned', value: v.serverMaxReceivePduSize },
            { type: 'long-unsigned', value: v.clientMaxReceivePduSize },
            { type: 'unsigned', value: 6 },
            { type: 'integer', value: 0 },
            { type: 'octet-string', value: new Uint8Array(0) },
          ],
        };
      case 6:
        return oidStructure(2, v.mechanism);
      case 7:
        return refused('read-write-denied');
      case 8:
        return {
          type: 'enum',
          value: v.status === 'associated' ? 2 : v.status === 'association-pending' ? 1 : 0,
        };
      default:
        return refused('object-undefined');
    }
  }

  set(_attributeId: number, _value: DlmsData, _ctx: AccessContext): string {
    return 'read-write-denied';
  }

  action(_methodId: number, _parameters: DlmsData | null, _ctx: AccessContext): ActionOutcome {
    // reply_to_HLS_authentication is answered by the session, which holds the challenges
    return { result: 'read-write-denied' };
  }

  valueAt(_attributeId: number, _t: number): DlmsData | undefined {
    return undefined;
  }
}

function element(o: ServerObject, a: ObjectAccess): ObjectListElement {
  return {
    classId: o.classId,
    version: o.version,
    logicalName: o.logicalName,
    className: interfaceClass(o.classId)?.name,
    attributes: o.attributeIds().map((id) => ({
      id,
      access: attributeAccess(a, id),
      selectors: o.selectorsOf(id),
    })),
    methods: o.methodIds().map((id) => ({ id, access: methodAccess(a, id) })),
  };
}
