import { describe, expect, it } from 'vitest';
import { labelMapping, sourceLabelOf, unlabelledReason } from '../../electron/engine/dataset/labelMap.js';

describe('label mapping of a corpus onto the 8 emotions', () => {
  it('names each corpus code and the emotions the files lack', () => {
    const crema = labelMapping('crema-d', [
      { path: '1001_DFA_ANG_XX.wav', emotion: 'angry' },
      { path: '1001_DFA_NEU_XX.wav', emotion: 'neutral' },
      { path: '1002_IEO_HAP_HI.wav', emotion: 'happy' },
    ]);
    expect(crema.map).toEqual({ NEU: 'neutral', HAP: 'happy', ANG: 'angry' });
    expect(crema.present).toEqual(['neutral', 'happy', 'angry']);
    expect(crema.absent).toEqual(['calm', 'sad', 'fearful', 'disgust', 'surprised']);
    expect(sourceLabelOf('ravdess', { path: 'Actor_01/03-01-02-01-01-01-01.wav', emotion: 'calm' })).toBe('02');
    expect(sourceLabelOf('savee', { path: 'DC/DC_su01.wav', emotion: 'surprised' })).toBe('su');
    expect(sourceLabelOf('tess', { path: 'OAF_Pleasant_surprise/OAF_back_ps.wav', emotion: 'surprised' })).toBe('ps');
  });

  it('uses the nearest label folder in folder-per-label trees, and names an unknown one', () => {
    expect(sourceLabelOf('folders', { path: 'speaker1/Anger/take2/x.wav', emotion: 'angry' })).toBe('Anger');
    expect(labelMapping('folders', [{ path: 'fear/a.wav', emotion: 'fearful' }, { path: '05_angry/b.wav', emotion: 'angry' }]).map).toEqual({ '05_angry': 'angry', fear: 'fearful' });
    expect(unlabelledReason('s1/boredom/x.wav')).toMatch(/^label 'boredom' \(its folder\) is not one of the app's 8 emotions/);
    expect(unlabelledReason('x.wav')).toBeUndefined();
  });
});
