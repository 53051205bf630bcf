import Foundation
import PEFTCLIP
import PEFTTensor

/// Prompt tuning in HF PEFT's format (`PromptTuningConfig`, `peft_type` PROMPT_TUNING): one tensor
/// `prompt_embeddings` `[num_virtual_tokens, token_dim]`, as `get_peft_model_state_dict` writes it for one
/// transformer submodule.
///
/// What CoOp exports. The file carries CoOp's context vectors faithfully, but PEFT's own prompt-tuning forward
/// prepends virtual tokens before the whole input (the start token included) and has no CLIP task type, so a PEFT
/// model built from it places the vectors one token earlier than CoOp does; `PEFTAdapter.apply` (and so
/// `peftlab embed --adapter`) does not load it, since the vectors enter through the method's encoder, not a slot.
extension PEFTAdapter {
    static func promptTuning(embeddings: Tensor, model: CLIPModel) -> PEFTAdapter {
        var config = baseConfig(type: "PROMPT_TUNING")
        config["num_virtual_tokens"] = embeddings.shape[0]
        config["token_dim"] = embeddings.shape[1]
        config["num_transformer_submodules"] = 1
        config["num_attention_heads"] = model.config.text.numAttentionHeads
        config["num_layers"] = model.config.text.numHiddenLayers
        config["prompt_tuning_init"] = "RANDOM"
        for key in ["prompt_tuning_init_text", "tokenizer_name_or_path", "tokenizer_kwargs"] { config[key] = NSNull() }
        return PEFTAdapter(config: config, tensors: [.init(name: "prompt_embeddings", shape: embeddings.shape, values: embeddings.storage)])
    }
}
