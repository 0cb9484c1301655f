// What the dashboard needs of one endpoint kind that differs in its fields and words, not in what it
// can do (that is the engine's SinkCapabilities, fetched through `sinkKinds`): the saved connection's
// form, and the wizard's and the removal dialog's kind-specific parts. One folder per kind
// (endpoints/<kind>/), mapped by endpoints/registry.ts.
import type { ComponentType, ReactNode } from 'react';
import type { Profile, ProfileInput } from '../../../shared/profiles';
import type { WizardDraft } from '../../../shared/wizard';
import type { FieldError } from '../components/field-errors';
import type { FieldsProps } from '../views/connections/ProfileFields';
import type { ProfileForm } from '../views/connections/profile-form-state';
import type { StepProps } from '../views/wizard/step-props';

export interface EndpointUi {
  /** The profile form's fields of this kind (after the name and kind). */
  Fields: ComponentType<FieldsProps>;
  /** The form filled from a saved profile of this kind (`base` holds the name, secrets' presence and TLS). */
  fromProfile(base: ProfileForm, profile: Profile): ProfileForm;
  /** The profile the form describes (shared/profiles.ts's schema checks it afterwards). `tls` is the form's TLS, cleaned. */
  buildProfile(f: ProfileForm, tls: Record<string, string>): unknown;
  /** The form's problems in this kind's fields, with messages that say what to enter; `tls`: the TLS fields' problems, placed where the form shows them. */
  validate(f: ProfileForm, tls: FieldError[]): FieldError[];
  /** The secrets a save sends (undefined: keep the stored one; '': clear it). */
  secrets(f: ProfileForm): Partial<ProfileInput['secrets']>;
  /** The port the form starts with for this kind (as text), e.g. "3306". */
  defaultPort?: string;
  /** A saved connection of this kind holds topics a Kafka-source job reads (the topic list, the consumer wizard). */
  topics?: boolean;
  /** Profiles of this kind can go through an SSH tunnel (a successful Test offers to pin the bastion's host key). */
  sshTunnel: boolean;
  /** The wizard's Sink step: what the next step (Mapping) sets for a sink of this kind. */
  sinkNote: string;
  /** The wizard's Mapping step: this kind's own settings, when it has some (Kafka's topics and messages). */
  Mapping?: ComponentType<StepProps>;
  /** The wizard's Review step: this kind's own settings, as rows of the summary. */
  Review?: ComponentType<{ draft: WizardDraft }>;
  /** The removal dialog: what `cleanSink` deletes on a sink of this kind (shown beside its check box). */
  cleanLabel?: ReactNode;
  /** The removal dialog: what a sink of this kind keeps of the job. */
  Kept?: ComponentType<{ job: string }>;
}
