/**
 * An audio input device as the capture process finds it and the API reports it: plain data shared by the native
 * capture adapter (native/audio) and the API contract, so neither imports the other.
 */
/** One input device as `ser devices` reports it. `id` is PortAudio's device index (stable while the system's device set is). */
export interface InputDevice {
  id: number;
  name: string;
  hostAPI: string;
  /** Maximum input channels the device offers. */
  channels: number;
  /** The device's native rate: capture opens it there and resamples to 48 kHz itself. */
  defaultSampleRate: number;
  /** True for the host API's default input device (what `--device` omitted opens). */
  default: boolean;
}
