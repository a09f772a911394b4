import type { Dispatch } from 'react';
import type { Action, WizardState } from './state';

export interface StepProps {
  state: WizardState;
  dispatch: Dispatch<Action>;
}
